//! Opening the output an [`OutputSpec`] names.

use std::path::Path;

use super::json::JsonOutput;
use super::nmsg_out::{NmsgOptions, NmsgOutput};
use super::pcap::PcapOutput;
use super::{Output, OutputError, OutputSpec};

/// Opens `spec`. `path` replaces the file name of file outputs (the kickfile `.part` file);
/// `append` is `-p`.
pub fn open(
    spec: &OutputSpec,
    path: Option<&Path>,
    append: bool,
    nmsg: NmsgOptions,
) -> Result<Box<dyn Output>, OutputError> {
    let unsupported = |what: &str| OutputError::Spec {
        spec: what.to_owned(),
        reason: "this output is not implemented yet".to_owned(),
    };
    Ok(match spec {
        OutputSpec::NmsgFile(p) => Box::new(NmsgOutput::file(path.unwrap_or(p), append, nmsg)?),
        OutputSpec::NmsgUdp { host, port } => Box::new(NmsgOutput::udp(host, *port, nmsg)?),
        OutputSpec::NmsgTcp { host, port } => Box::new(NmsgOutput::tcp(host, *port, nmsg)?),
        OutputSpec::Pcap(p) => Box::new(PcapOutput::create(path.unwrap_or(p), append)?),
        OutputSpec::PcapFifo(p) => Box::new(PcapOutput::fifo(p)?),
        OutputSpec::NmsgJson(p) => Box::new(JsonOutput::create(path.unwrap_or(p), append)?),
        OutputSpec::PcapIf { .. } => return Err(unsupported("pcap-if")),
    })
}
