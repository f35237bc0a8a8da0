//! sratool's command language (parsing a line into typed commands) and the text it prints for
//! server messages.

pub mod command;
pub mod count;
pub mod format;
pub mod help;
pub mod stats;
mod table;
pub mod tool;

pub use command::{parse_line, Command, CommandError, Tagged};
pub use help::help;
