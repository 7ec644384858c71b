use playerbot_db::BotEntity;

#[derive(BotEntity)]
struct Waypoint {
    #[bot(key)]
    x: f32,
}

fn main() {}
