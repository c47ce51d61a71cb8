//! The command line: `serve`, `migrate`, `admin create`, `seed --demo` / `seed --products N`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::accounts::{AdminOutcome, ensure_admin};
use crate::config::{DatabaseArgs, LogFormat, ServeConfig};
use crate::store::Store;

#[derive(Parser)]
#[command(name = "shopd", version, about = "The backend of an online shop")]
struct Cli {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, then serve HTTP until SIGTERM or Ctrl-C.
    Serve(Box<ServeConfig>),
    /// Apply the database migrations and exit.
    Migrate,
    /// Manage admins.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Load data into the shop: the demo catalogue, a generated one, or both.
    #[command(group(clap::ArgGroup::new("what").required(true).multiple(true).args(["demo", "products"])))]
    Seed {
        /// The demo catalogue: the LEGO sets and categories of the seeds. A second run adds nothing.
        #[arg(long)]
        demo: bool,
        /// Add N generated products across every category (for benchmarks); each run adds N more.
        #[arg(long, value_name = "N")]
        products: Option<u64>,
        /// The generator's seed: the same seed makes the same names, prices and stock.
        #[arg(long, default_value_t = 1, requires = "products")]
        products_seed: u64,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an admin, or promote the existing user with that email.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match &cli.command {
        Command::Serve(config) => config.log_format,
        _ => LogFormat::Text,
    };
    crate::telemetry::init(format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shopd: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shopd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn connect(database: &DatabaseArgs) -> anyhow::Result<Store> {
    let store = Store::connect(&database.database_url).await?;
    store.migrate().await?;
    Ok(store)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => {
            let store = connect(&cli.database).await?;
            if config.demo {
                let added = crate::demo::load(&store).await?;
                tracing::info!(added, "demo catalogue loaded");
            }
            let listener = tokio::net::TcpListener::bind(config.addr).await?;
            tracing::info!(addr = %listener.local_addr()?, database = ?store.dialect(), "shopd listening");
            let state = crate::build_state(*config, store.clone()).await?;
            crate::serve(listener, state, crate::shutdown_signal()).await?;
            store.close().await;
        }
        Command::Migrate => {
            connect(&cli.database).await?;
            println!("migrations applied");
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    email,
                    password,
                    name,
                },
        } => {
            let store = connect(&cli.database).await?;
            let outcome = ensure_admin(&store, &email, &password, name.as_deref()).await?;
            println!(
                "{}",
                match outcome {
                    AdminOutcome::Created => "admin created",
                    AdminOutcome::Promoted => "existing user promoted to admin",
                    AdminOutcome::AlreadyAdmin => "already an admin",
                }
            );
        }
        Command::Seed {
            demo,
            products,
            products_seed,
        } => {
            let store = connect(&cli.database).await?;
            if demo {
                let added = crate::demo::load(&store).await?;
                println!("demo catalogue: {added} products added");
            }
            if let Some(count) = products {
                let started = std::time::Instant::now();
                let added = store.insert_catalogue(count, products_seed).await?;
                println!(
                    "generated catalogue: {added} products added in {:.1} s",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    Ok(())
}
