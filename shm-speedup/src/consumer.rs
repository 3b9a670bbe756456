//! The consumer process: `shm-harness speedup --consumer ...`, spawned by
//! the producer (start-up is never timed).
//!
//! It preallocates and pre-faults one receive buffer per array, says it is
//! ready, then serves requests from its stdin until [`Op::Exit`] or end of
//! file. Copied arrays are read straight into their buffer (`read_exact`;
//! only the first few KiB pass through the 64 KiB read buffer that lets a
//! header and a small payload arrive in one `read`); shared ones are attached by descriptor and viewed
//! with the element type. Arrays of a run are held until [`Op::Release`],
//! so the producer's clock stops while the consumer holds them all.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::process::ExitCode;

use shm_core::{Descriptor, SharedArray};

use ipc_bench::wire::{Reply, Request, read_header};

use super::op::{Op, Received};
use super::workload::{Num, Workload, sum, with_element};
use shm_protocol::exit::{CHECK_FAILED, fail};

/// Runs the consumer role and maps failures to exit code 1 (the producer
/// reports them; the reason is on stderr).
pub(super) fn run(workload: &Workload) -> ExitCode {
    match with_element!(workload.dtype, serve(workload)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(CHECK_FAILED, format_args!("speedup consumer: {e}")),
    }
}

/// Unbuffered handles on stdin and stdout: std's own are buffered, which
/// would add a copy to every array received.
fn raw_stdio() -> io::Result<(File, File)> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        Ok((
            File::from(io::stdin().as_fd().try_clone_to_owned()?),
            File::from(io::stdout().as_fd().try_clone_to_owned()?),
        ))
    }
    #[cfg(windows)]
    {
        use std::os::windows::io::AsHandle;
        Ok((
            File::from(io::stdin().as_handle().try_clone_to_owned()?),
            File::from(io::stdout().as_handle().try_clone_to_owned()?),
        ))
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

fn serve<T: Num>(w: &Workload) -> io::Result<()> {
    let (input, mut output) = raw_stdio()?;
    // A header and a small payload arrive in one `read`; a large payload
    // goes straight into its buffer once the few bytes already buffered are
    // taken (BufReader bypasses its buffer for large reads).
    let mut input = BufReader::with_capacity(64 << 10, input);
    // Every page touched now, so no receive takes a page fault.
    let mut buffers: Vec<Vec<T>> = (0..w.arrays)
        .map(|_| vec![T::from_small(1); w.elements])
        .collect();
    let mut held: Vec<SharedArray> = Vec::with_capacity(w.arrays);
    let mut run = Received::default();
    let mut small = Vec::new();
    Reply::OK.write_to(&mut output)?;
    while let Some(Request { op, index, len }) = read_header(&mut input)? {
        match op {
            Op::Exit => break,
            Op::Hold | Op::Sum => {
                let buf = buffers
                    .get_mut(index)
                    .ok_or_else(|| invalid(format!("array index {index} out of range")))?;
                let bytes: &mut [u8] = bytemuck::cast_slice_mut(buf.as_mut_slice());
                if bytes.len() != len {
                    return Err(invalid(format!(
                        "{len} bytes sent, {} expected",
                        bytes.len()
                    )));
                }
                input.read_exact(bytes)?;
                run.value += match op {
                    Op::Sum => sum(buf),
                    // Two elements prove the bytes arrived; the rest stay untouched.
                    _ => buf[0].to_f64() + buf[buf.len() - 1].to_f64(),
                };
                run.arrays += 1;
                run.elements += buf.len() as u64;
            }
            Op::Attach | Op::AttachSum => {
                small.resize(len, 0);
                input.read_exact(&mut small)?;
                let array = attach::<T>(&small).map_err(|e| invalid(e.to_string()))?;
                {
                    let view = array.view::<T>().map_err(|e| invalid(e.to_string()))?;
                    if op == Op::AttachSum {
                        let elements = view
                            .as_slice()
                            .ok_or_else(|| invalid("the view is not contiguous".into()))?;
                        run.value += sum(elements);
                    }
                    run.elements += view.len() as u64;
                }
                run.arrays += 1;
                held.push(array);
            }
            Op::Done => {
                run.reply().write_to(&mut output)?;
                run = Received::default();
            }
            Op::Release => {
                held.clear();
                Reply::OK.write_to(&mut output)?;
            }
        }
    }
    Ok(())
}

fn attach<T: Num>(json: &[u8]) -> Result<SharedArray, shm_core::Error> {
    let text = std::str::from_utf8(json)
        .map_err(|e| shm_core::Error::InvalidDescriptor(format!("not UTF-8: {e}")))?;
    SharedArray::attach_as::<T>(&Descriptor::from_json(text)?)
}
