//! The gRPC peer: one unary RPC, `ostium.bench.Echo/Echo`, that answers with the message it
//! was sent, served by tonic over a Unix socket.
//!
//! The message and the service are written by hand, as `tonic-build` would generate them
//! from this definition, so that building the benchmark needs no `protoc`:
//!
//! ```proto
//! syntax = "proto3";
//! package ostium.bench;
//! message Blob { bytes data = 1; }
//! service Echo { rpc Echo(Blob) returns (Blob); }
//! ```
//!
//! The server ([`serve`]) runs on tokio's default runtime, the multi-thread one with a
//! worker per CPU, behind tonic's router: a typical deployment. A client
//! ([`EchoClient`]) owns one channel (one HTTP/2 connection) and a current-thread runtime
//! to drive it, and makes blocking calls: one per caller thread.

use std::convert::Infallible;
use std::path::Path;
use std::task::{Context, Poll};

use anyhow::{Context as _, Result};
use tokio::runtime::Runtime;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::codegen::tokio_stream::wrappers::UnixListenerStream;
use tonic::codegen::{Body, BoxFuture, Service, StdError, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::transport::{Channel, Endpoint};
use tonic_prost::ProstCodec;

/// The service's full name.
pub const SERVICE: &str = "ostium.bench.Echo";
/// The path of the `Echo` method.
pub const ECHO_PATH: &str = "/ostium.bench.Echo/Echo";

/// `message Blob { bytes data = 1; }`
#[derive(Clone, PartialEq, prost::Message)]
pub struct Blob {
    /// The bytes carried.
    #[prost(bytes = "vec", tag = "1")]
    pub data: Vec<u8>,
}

/// The `Echo` service, as a tower service that tonic's server routes requests to.
#[derive(Clone, Copy, Debug, Default)]
pub struct EchoServer;

impl NamedService for EchoServer {
    const NAME: &'static str = SERVICE;
}

/// The `Echo` method's handler: the reply is the request.
struct EchoMethod;

impl UnaryService<Blob> for EchoMethod {
    type Response = Blob;
    type Future = BoxFuture<tonic::Response<Blob>, tonic::Status>;

    fn call(&mut self, request: tonic::Request<Blob>) -> Self::Future {
        let blob = request.into_inner();
        Box::pin(async move { Ok(tonic::Response::new(blob)) })
    }
}

impl<B> Service<http::Request<B>> for EchoServer
where
    B: Body + Send + 'static,
    B::Error: Into<StdError> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        if request.uri().path() == ECHO_PATH {
            Box::pin(async move {
                let mut grpc = Grpc::new(ProstCodec::<Blob, Blob>::default());
                Ok(grpc.unary(EchoMethod, request).await)
            })
        } else {
            let path = request.uri().path().to_owned();
            Box::pin(async move {
                Ok(tonic::Status::unimplemented(format!("no method at {path}")).into_http())
            })
        }
    }
}

/// Serves [`EchoServer`] at `path` on a new multi-thread runtime (one worker per CPU, as
/// `#[tokio::main]` makes), which the caller keeps for as long as the server is to run.
/// Connections are accepted once this returns.
pub fn serve(path: &Path) -> Result<Runtime> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio's multi-thread runtime")?;
    let listener = {
        let _entered = runtime.enter();
        tokio::net::UnixListener::bind(path)
            .with_context(|| format!("binding {}", path.display()))?
    };
    runtime.spawn(async move {
        let served = tonic::transport::Server::builder()
            .add_service(EchoServer)
            .serve_with_incoming(UnixListenerStream::new(listener))
            .await;
        if let Err(err) = served {
            eprintln!("door-bench: the gRPC server failed: {err}");
            std::process::exit(1);
        }
    });
    Ok(runtime)
}

/// A blocking client of the `Echo` service: one channel (one connection), driven by its own
/// current-thread runtime while a call is made.
pub struct EchoClient {
    runtime: Runtime,
    grpc: tonic::client::Grpc<Channel>,
}

impl EchoClient {
    /// Connects to the server at `path`.
    pub fn connect(path: &Path) -> Result<EchoClient> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting a current-thread runtime")?;
        let uri = format!("unix://{}", path.display());
        let endpoint = Endpoint::from_shared(uri.clone()).with_context(|| uri.clone())?;
        let channel =
            runtime.block_on(endpoint.connect()).with_context(|| format!("connecting to {uri}"))?;
        Ok(EchoClient { runtime, grpc: tonic::client::Grpc::new(channel) })
    }

    /// Calls `Echo` with `data`, and returns the reply's data.
    pub fn echo(&mut self, data: Vec<u8>) -> Result<Vec<u8>> {
        let grpc = &mut self.grpc;
        self.runtime.block_on(async move {
            grpc.ready().await.context("the channel is not ready")?;
            let reply = grpc
                .unary(
                    tonic::Request::new(Blob { data }),
                    PathAndQuery::from_static(ECHO_PATH),
                    ProstCodec::<Blob, Blob>::default(),
                )
                .await
                .context("calling Echo")?;
            Ok(reply.into_inner().data)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn the_message_is_field_1_of_wire_type_2() {
        let bytes = Blob { data: b"hi".to_vec() }.encode_to_vec();
        assert_eq!(bytes, [0x0a, 2, b'h', b'i']);
        assert_eq!(Blob::decode(&bytes[..]).unwrap().data, b"hi");
        assert!(Blob::default().encode_to_vec().is_empty(), "proto3 omits an empty field");
    }

    #[test]
    fn a_call_comes_back_with_its_bytes() {
        let dir = super::super::SocketDir::create().unwrap();
        let path = dir.path().join("grpc.sock");
        let _server = serve(&path).unwrap();
        let mut client = EchoClient::connect(&path).unwrap();
        for size in [0, 8, 4096, 100_000] {
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            assert_eq!(client.echo(data.clone()).unwrap(), data, "{size} bytes");
        }
    }
}
