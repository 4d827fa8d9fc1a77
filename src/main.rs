use std::process::ExitCode;

use blogql::cli::{Cli, Command};
use blogql::commands;
use blogql::startup::Application;
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("blogql=info,tower_http=info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let cli = Cli::parse();
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
        Some(Command::Schema) => {
            commands::schema();
            Ok(())
        }
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
