//! `sratool` options (AXA spec §8.1): `-c file`, `-d`, `-E ciphers`, `-F fields`, `-h`, `-I`,
//! `-n config`, `-N`, `-V`, then command strings (`;` separated) to run first.

use std::path::PathBuf;

use clap::{ArgAction, Parser};

use super::tls_args::TlsArgs;
use super::UsageError;
use crate::TlsOptions;

/// The raw command line.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "sratool",
    disable_help_flag = true,
    disable_version_flag = true,
    about = "SIE Remote Access Tool (sratool)"
)]
pub struct SratoolArgs {
    /// Run the commands in this file first (like `source FILE`).
    #[arg(short = 'c', value_name = "cfile")]
    pub command_file: Option<PathBuf>,
    /// Increase the debug level (≥ 3 traces every message).
    #[arg(short = 'd', action = ArgAction::Count)]
    pub debug: u8,
    /// TLS 1.2 cipher list (OpenSSL names).
    #[arg(short = 'E', value_name = "ciphers")]
    pub ciphers: Option<String>,
    /// NMSG fields file.
    #[arg(short = 'F', value_name = "fields")]
    pub fields: Option<PathBuf>,
    /// Print the usage and exit.
    #[arg(short = 'h')]
    pub help: bool,
    /// Send `apikey:` API keys over plain TCP, without TLS.
    #[arg(short = 'I')]
    pub plain_apikey: bool,
    /// AXA config file (aliases); default `~/.axa/config`.
    #[arg(short = 'n', value_name = "config")]
    pub config: Option<PathBuf>,
    /// No prompt.
    #[arg(short = 'N')]
    pub no_prompt: bool,
    /// Print the version and exit.
    #[arg(short = 'V')]
    pub version: bool,
    /// TLS server verification.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Commands to run (`;` separates commands inside one argument too).
    pub commands: Vec<String>,
}

/// Validated sratool options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolOptions {
    /// `-c`.
    pub command_file: Option<PathBuf>,
    /// `-d` count.
    pub debug: u8,
    /// `-F`.
    pub fields: Option<PathBuf>,
    /// `-I`.
    pub plain_apikey: bool,
    /// `-n`.
    pub config: Option<PathBuf>,
    /// `-N`.
    pub no_prompt: bool,
    /// `-V`.
    pub version: bool,
    /// The command-line commands joined with `;` (run after `-c`).
    pub commands: Option<String>,
    /// `-E` and the verification flags.
    pub tls: TlsOptions,
}

/// The usage text.
pub fn usage() -> String {
    "SIE Remote Access Tool (sratool)\n\
     Usage: sratool [-dINV] [-c cfile] [-E ciphers] [-F fields] [-n config] [commands]\n\
     -c cfile\trun the commands in cfile first\n\
     -d\t\tincrement debug level\n\
     -E ciphers\tuse these TLS ciphers\n\
     -F fields\tNMSG fields file\n\
     -h\t\tdisplay this help and exit\n\
     -I\t\tsend apikeys without TLS\n\
     -n config\tAXA config file\n\
     -N\t\tdo not print a prompt\n\
     -V\t\tprint version and quit\n\
     --ca-file PEM | --pin SHA256 | --insecure-accept-any-certificate\n\
     \t\thow to check apikey server certificates (default: system roots)\n"
        .to_owned()
}

/// Parses a command line (`args[0]` is the program name). `-h` yields a [`UsageError`]
/// carrying the usage text.
pub fn parse<I, T>(args: I) -> Result<ToolOptions, UsageError>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let a = SratoolArgs::try_parse_from(args).map_err(|e| {
        UsageError::usage(format!(
            "{}\n{}",
            e.render().to_string().trim_end(),
            usage()
        ))
    })?;
    if a.help {
        return Err(UsageError::usage(usage()));
    }
    let tls = a.tls.options(a.ciphers.as_deref());
    Ok(ToolOptions {
        command_file: a.command_file,
        debug: a.debug,
        fields: a.fields,
        plain_apikey: a.plain_apikey,
        config: a.config,
        no_prompt: a.no_prompt,
        version: a.version,
        commands: (!a.commands.is_empty()).then(|| a.commands.join(";")),
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_commands() {
        let o = parse([
            "sratool",
            "-N",
            "-dd",
            "-c",
            "/tmp/cmds",
            "-n",
            "/tmp/cfg",
            "-F",
            "/tmp/f",
            "-I",
            "connect tcp:u@h,1",
            "1 watch ch=221; channel 221 on",
        ])
        .unwrap();
        assert!(o.no_prompt && o.plain_apikey && !o.version);
        assert_eq!(o.debug, 2);
        assert_eq!(o.command_file, Some(PathBuf::from("/tmp/cmds")));
        assert_eq!(
            o.commands.as_deref(),
            Some("connect tcp:u@h,1;1 watch ch=221; channel 221 on")
        );
        assert_eq!(parse(["sratool"]).unwrap().commands, None);
    }

    #[test]
    fn help_and_bad_options() {
        let e = parse(["sratool", "-h"]).unwrap_err();
        assert_eq!(e.exit_code, 64);
        assert!(e.message.contains("Usage: sratool"));
        assert_eq!(parse(["sratool", "-Q"]).unwrap_err().exit_code, 64);
        assert!(parse(["sratool", "-V"]).unwrap().version);
    }
}
