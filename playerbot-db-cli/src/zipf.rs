//! A Zipf distribution over ranks, for load patterns where a few bots are hot.

/// Ranks 0..n drawn with probability proportional to 1 / (rank + 1)^s.
pub(crate) struct Zipf {
    cumulative: Vec<f64>,
}

impl Zipf {
    pub(crate) fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let mut cumulative = Vec::with_capacity(n);
        for rank in 0..n {
            total += 1.0 / ((rank + 1) as f64).powf(s);
            cumulative.push(total);
        }
        for value in &mut cumulative {
            *value /= total;
        }
        Zipf { cumulative }
    }

    /// The rank for a uniform draw in [0, 1).
    pub(crate) fn sample(&self, uniform: f64) -> usize {
        self.cumulative
            .partition_point(|&c| c < uniform)
            .min(self.cumulative.len() - 1)
    }
}
