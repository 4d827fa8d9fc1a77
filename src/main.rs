use std::process::ExitCode;

use blogql::cli::{Cli, Command, MediaAction};
use blogql::commands;
use blogql::startup::Application;
use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Dropped last: the spans still queued are sent as the process ends.
    let _traces = blogql::logging::init(cli.log_format);
    let url = cli.database_url;
    let result: Result<(), Box<dyn std::error::Error>> = match cli.command {
        None => serve(cli.serve, url).await,
        Some(Command::Serve(args)) => serve(*args, url).await,
        Some(Command::Migrate { action }) => {
            commands::migrate(&url, action).await.map_err(Into::into)
        }
        Some(Command::Seed(args)) => commands::seed(&url, args).await.map_err(Into::into),
        Some(Command::Promote { username }) => {
            commands::promote(&url, &username).await.map_err(Into::into)
        }
        Some(Command::Media {
            action: MediaAction::Gc(args),
        }) => commands::media_gc(&url, &args).await.map_err(Into::into),
        Some(Command::Schema(args)) => match commands::schema(&args) {
            Ok(true) => Ok(()),
            // The changes are printed; the status says a breaking one was found.
            Ok(false) => return ExitCode::FAILURE,
            Err(err) => Err(err.into()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("blogql: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    mut config: blogql::config::Config,
    url: String,
) -> Result<(), Box<dyn std::error::Error>> {
    config.database_url = url;
    let config = config.checked()?;
    let app = Application::build(config).await?;
    app.run_until_stopped().await?;
    Ok(())
}
