//! Splitting a count of rows or keys into statements of a few fixed sizes.
//!
//! Multi-row statements and key lists are prepared once per size and connection, so their
//! sizes come from a short list; a remainder is padded up to the next size when that at
//! most doubles it (the padding repeats an item, which changes nothing), and otherwise
//! takes the largest size that fits.

/// `(index into sizes, items taken)` per statement; `sizes` ascending and starting at 1.
pub(crate) fn chunk_sizes(mut count: usize, sizes: &[usize]) -> Vec<(usize, usize)> {
    debug_assert!(sizes.first() == Some(&1) && sizes.windows(2).all(|w| w[0] < w[1]));
    let mut chunks = Vec::new();
    while count > 0 {
        let up = sizes.iter().position(|&size| size >= count);
        let index = match up {
            Some(index) if sizes[index] <= count * 2 => index,
            _ => sizes
                .iter()
                .rposition(|&size| size <= count)
                .expect("size 1 fits"),
        };
        let taken = count.min(sizes[index]);
        chunks.push((index, taken));
        count -= taken;
    }
    chunks
}

/// Like [`chunk_sizes`], with every statement exactly full: no padding (for rows that must
/// not be repeated, such as new rows the server numbers).
pub(crate) fn exact_chunk_sizes(mut count: usize, sizes: &[usize]) -> Vec<(usize, usize)> {
    let mut chunks = Vec::new();
    while count > 0 {
        let index = sizes
            .iter()
            .rposition(|&size| size <= count)
            .expect("size 1 fits");
        chunks.push((index, sizes[index]));
        count -= sizes[index];
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_chunks_never_pad() {
        let sizes = [1, 4, 16, 64, 250, 1000];
        let chunks = exact_chunk_sizes(1337, &sizes);
        assert!(chunks.iter().all(|&(index, taken)| sizes[index] == taken));
        assert_eq!(chunks.iter().map(|&(_, taken)| taken).sum::<usize>(), 1337);
    }

    const SIZES: [usize; 6] = [1, 4, 16, 64, 100, 256];

    #[test]
    fn chunks_cover_every_item_with_few_statements() {
        for count in 0..1_000 {
            let chunks = chunk_sizes(count, &SIZES);
            assert_eq!(chunks.iter().map(|(_, taken)| taken).sum::<usize>(), count);
            for &(index, taken) in &chunks {
                assert!(taken <= SIZES[index] && SIZES[index] <= taken.max(1) * 2);
            }
        }
        assert_eq!(chunk_sizes(100, &SIZES), vec![(4, 100)]);
        assert_eq!(chunk_sizes(120, &SIZES), vec![(4, 100), (2, 16), (1, 4)]);
        assert_eq!(chunk_sizes(3, &SIZES), vec![(1, 3)]);
        assert_eq!(
            chunk_sizes(5_001, &[1, 10, 100, 1000]),
            vec![(3, 1000); 5]
                .into_iter()
                .chain([(0, 1)])
                .collect::<Vec<_>>()
        );
    }
}
