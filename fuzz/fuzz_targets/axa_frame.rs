#![no_main]
//! Arbitrary bytes into the AXA frame codec in both directions (fed in two chunks to
//! exercise the incremental path), then typed decode, JSON rendering and re-encode of
//! every frame that decodes. Must never panic; re-encoded frames must decode again.

use axa_proto::json::frame_to_json;
use axa_proto::{Direction, Frame, FrameDecoder, Message, Watch, WatchMode};
use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;

fn run(data: &[u8], dir: Direction) {
    let mut codec = FrameDecoder::new(dir);
    let split = data.first().map_or(0, |&b| b as usize % (data.len() + 1));
    let mut buf = BytesMut::new();
    for chunk in [&data[..split], &data[split..]] {
        buf.extend_from_slice(chunk);
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(frame)) => check(&frame, dir),
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
}

fn check(frame: &Frame, dir: Direction) {
    let _ = frame_to_json(frame);
    let Ok(msg) = frame.message() else {
        panic!("codec yielded a frame whose message does not decode");
    };
    let mut out = BytesMut::new();
    msg.encode_frame(frame.header().tag, frame.header().pvers, &mut out);
    let again = Frame::decode(out.freeze(), dir).expect("re-encoded frame must decode");
    let again_msg: Message = again.message().expect("re-encoded message must decode");
    if let Message::Watch(w) = &again_msg {
        let _ = Watch::parse_text(&w.to_string(), WatchMode::Sra);
    }
}

fuzz_target!(|data: &[u8]| {
    run(data, Direction::ToSra);
    run(data, Direction::FromSra);
    run(data, Direction::ToRad);
    run(data, Direction::FromRad);
    let _ = axa_proto::json::wire_to_json(Bytes::copy_from_slice(data));
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = Watch::parse_text(s, WatchMode::Sra);
        let _ = Watch::parse_text(s, WatchMode::Rad);
        let _ = axa_proto::ConnSpec::parse(s);
        let _ = axa_proto::AxaConfig::parse(s);
        let _ = axa_proto::parse_channel(s, true);
    }
});
