//! sratool: the interactive SRA client (drop-in for libaxa's, SRA mode).

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use axa_proto::AxaConfig;
use sra_client::cli::sratool::{parse, usage, ToolOptions};
use sra_client::sratool::tool::{Flow, Tool};
use tokio::sync::mpsc;

fn main() -> ExitCode {
    let o = match parse(std::env::args_os()) {
        Ok(o) => o,
        Err(e) => {
            if e.message == usage() {
                print!("{}", e.message);
            } else {
                eprintln!("{}", e.message);
            }
            return ExitCode::from(e.exit_code as u8);
        }
    };
    if o.version {
        println!(
            "sratool built using sra-client {}, supporting AXA protocols v1 to v2",
            env!("CARGO_PKG_VERSION")
        );
        return ExitCode::SUCCESS;
    }
    sra_client::cli::logging::init(o.debug);
    match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(o)),
        Err(e) => {
            eprintln!("sratool: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Reads input lines on a thread (a line editor on a terminal) and hands them over.
fn spawn_reader(prompt: bool) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(16);
    let interactive = prompt && std::io::stdin().is_terminal();
    std::thread::spawn(move || {
        if interactive {
            if let Ok(mut ed) = rustyline::DefaultEditor::new() {
                while let Ok(line) = ed.readline("sra> ") {
                    let _ = ed.add_history_entry(line.as_str());
                    if tx.blocking_send(line).is_err() {
                        return;
                    }
                }
                return;
            }
        }
        for line in std::io::stdin().lock().lines() {
            match line {
                Ok(l) => {
                    if tx.blocking_send(l).is_err() {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    rx
}

async fn run(o: ToolOptions) -> ExitCode {
    let config = match AxaConfig::load(o.config.as_deref()) {
        Ok(c) => Some(c),
        Err(e) if e.is_not_found() => {
            if o.debug > 0 {
                eprintln!("can't load config file: {e}");
            }
            None
        }
        Err(e) => {
            eprintln!("can't load config file: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut tool = Tool::new(
        config,
        o.tls.clone(),
        o.plain_apikey,
        u32::from(o.debug),
        Box::new(std::io::stdout()),
        Box::new(std::io::stderr()),
    );
    if let Some(file) = &o.command_file {
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("initial \"source {}\" failed: {e}", file.display());
                return ExitCode::FAILURE;
            }
        };
        for line in text.lines() {
            match tool.run_line(line).await {
                Ok(Flow::Continue) => {}
                Ok(Flow::Exit) => return finish(tool, ExitCode::SUCCESS).await,
                Err(()) => return finish(tool, ExitCode::FAILURE).await,
            }
        }
    }
    if let Some(cmds) = &o.commands {
        match tool.run_line(cmds).await {
            Ok(Flow::Continue) => {}
            Ok(Flow::Exit) => return finish(tool, ExitCode::SUCCESS).await,
            Err(()) => return finish(tool, ExitCode::FAILURE).await,
        }
    }
    let mut input = Some(spawn_reader(!o.no_prompt));
    let mut terminated = Box::pin(sra_client::cli::signals::terminated());
    loop {
        if input.is_none() && !tool.connected() {
            return finish(tool, ExitCode::SUCCESS).await;
        }
        tokio::select! {
            line = async { input.as_mut()?.recv().await }, if input.is_some() => match line {
                Some(l) => {
                    if let Ok(Flow::Exit) = tool.run_line(&l).await {
                        return finish(tool, ExitCode::SUCCESS).await;
                    }
                }
                None => input = None,
            },
            ev = tool.next_event(), if tool.connected() => {
                if let Some(ev) = ev {
                    if tool.show(ev).await == Flow::Exit {
                        return finish(tool, ExitCode::FAILURE).await;
                    }
                }
            }
            _ = &mut terminated => return finish(tool, ExitCode::SUCCESS).await,
        }
    }
}

async fn finish(tool: Tool, code: ExitCode) -> ExitCode {
    tool.shutdown().await;
    code
}
