//! `lenet explain [fc|conv|pool]`.

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Topic {
    Fc,
    Conv,
    Pool,
}

#[derive(clap::Args)]
pub struct Args {
    /// Which derivation to print; all of them when left out.
    topic: Option<Topic>,
}

pub fn run(args: Args) -> Result<(), super::Error> {
    let topics = match args.topic {
        Some(t) => vec![t],
        None => vec![Topic::Fc, Topic::Conv, Topic::Pool],
    };
    let texts: Vec<String> = topics
        .into_iter()
        .map(|t| match t {
            Topic::Fc => lenet::explain::fc(),
            Topic::Conv => lenet::explain::conv(),
            Topic::Pool => lenet::explain::pool(),
        })
        .collect();
    super::output::print(&format!("{}\n", texts.join("\n")))
}
