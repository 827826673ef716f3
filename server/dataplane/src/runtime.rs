//! Threads and rings: one monoio runtime per core, each with its own HTTP
//! listener and TFTP socket on the shared addresses.

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::serve::{Shared, ThreadCtx};

/// The I/O driver: io_uring, or epoll where rings are not allowed
/// (containers' default seccomp profiles block io_uring).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    /// io_uring if the process may set up a ring, else epoll; see
    /// [`Driver::resolve`].
    Auto,
    /// io_uring, with cooperative task run where the kernel has it.
    Uring,
    /// epoll (monoio's legacy driver).
    Epoll,
}

impl Driver {
    /// The driver that will actually run.
    pub fn resolve(self) -> Driver {
        match self {
            Driver::Auto if monoio::utils::detect_uring() => Driver::Uring,
            Driver::Auto => Driver::Epoll,
            d => d,
        }
    }

    /// How the start-up log names the driver.
    pub fn name(self) -> &'static str {
        match self {
            Driver::Auto => "auto",
            Driver::Uring if coop_taskrun() => "io_uring (cooperative task run)",
            Driver::Uring => "io_uring",
            Driver::Epoll => "epoll",
        }
    }

    /// A runtime with this driver (`Auto` must be resolved first).
    pub fn block_on<F: std::future::Future>(self, main: F) -> std::io::Result<F::Output> {
        Ok(match self {
            Driver::Uring | Driver::Auto => monoio::RuntimeBuilder::<monoio::IoUringDriver>::new()
                .uring_builder(uring_builder())
                .with_entries(4096)
                .enable_timer()
                .build()?
                .block_on(main),
            Driver::Epoll => {
                monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build()?.block_on(main)
            }
        })
    }
}

/// Rings with `IORING_SETUP_COOP_TASKRUN` where the kernel has it (5.19):
/// a completion then waits for the thread's next ring entry, which monoio
/// makes on every turn of its loop, instead of interrupting it. Under
/// keep-alive load this measured +25 % requests/s at a slightly lower CPU
/// per request (docs/BENCHMARKS.md, HTTP).
fn uring_builder() -> io_uring::Builder {
    let mut b = io_uring::IoUring::<io_uring::squeue::Entry>::builder();
    if coop_taskrun() {
        b.setup_coop_taskrun();
    }
    b
}

fn coop_taskrun() -> bool {
    static PROBE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PROBE.get_or_init(|| io_uring::IoUring::<io_uring::squeue::Entry>::builder().setup_coop_taskrun().build(2).is_ok())
}

/// Options the I/O loops read.
#[derive(Debug, Clone)]
pub struct IoOptions {
    /// The HTTP loop's limits, proxies and URL key (HTTPS's too).
    pub http: crate::http::HttpOptions,
    /// The HTTPS listener's certificate (with [`ThreadSockets::https`]).
    pub tls: Option<Arc<crate::tls::ServerTls>>,
    /// The TFTP loop's limits and URL key.
    pub tftp: crate::tftp::TftpOptions,
    /// How long in-flight work may take to finish after a stop signal.
    pub grace: Duration,
}

/// The sockets one thread serves.
pub struct ThreadSockets {
    /// The thread's HTTP listener; `None` when HTTP is off.
    pub http: Option<std::net::TcpListener>,
    /// The thread's HTTPS listener; `None` when HTTPS is off.
    pub https: Option<std::net::TcpListener>,
    /// The thread's TFTP listening socket; `None` when TFTP is off.
    pub tftp: Option<std::net::UdpSocket>,
}

/// Runs one I/O thread until the stop flag is set and its work is done.
pub fn run_thread(
    driver: Driver,
    shared: Arc<Shared>,
    sockets: ThreadSockets,
    opts: Arc<IoOptions>,
) -> std::io::Result<()> {
    let main = async move {
        let ctx = match ThreadCtx::new(shared) {
            Ok(ctx) => ctx,
            Err(e) => {
                log::error!("{e}");
                return;
            }
        };
        thread_main(ctx, sockets, opts).await;
    };
    driver.block_on(main)
}

async fn thread_main(ctx: Rc<ThreadCtx>, sockets: ThreadSockets, opts: Arc<IoOptions>) {
    let mut tasks = Vec::new();
    if let Some(l) = sockets.http {
        match monoio::net::TcpListener::from_std(l) {
            Ok(l) => tasks.push(monoio::spawn(crate::http::run(l, None, ctx.clone(), opts.clone()))),
            Err(e) => log::error!("HTTP listener: {e}"),
        }
    }
    if let (Some(l), Some(tls)) = (sockets.https, &opts.tls) {
        match monoio::net::TcpListener::from_std(l) {
            Ok(l) => tasks.push(monoio::spawn(crate::http::run(l, Some(tls.acceptor()), ctx.clone(), opts.clone()))),
            Err(e) => log::error!("HTTPS listener: {e}"),
        }
    }
    if let Some(s) = sockets.tftp {
        match monoio::net::udp::UdpSocket::from_std(s) {
            Ok(s) => tasks.push(monoio::spawn(crate::tftp::run(s, ctx.clone(), opts.clone()))),
            Err(e) => log::error!("TFTP socket: {e}"),
        }
    }
    for t in tasks {
        t.await;
    }
}

/// Resolves when the stop flag is set (checked every 50 ms: a signal
/// handler cannot wake a ring).
pub(crate) async fn stopped(ctx: &ThreadCtx) {
    while !ctx.shared.stop.load(std::sync::atomic::Ordering::Relaxed) {
        monoio::time::sleep(Duration::from_millis(50)).await;
    }
}
