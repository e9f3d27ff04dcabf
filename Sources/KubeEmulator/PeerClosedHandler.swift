import NIOCore

/// Closes an HTTP/1 connection as soon as the client closes its side of it.
///
/// The server channels allow half-closure (Hummingbird sets `allowRemoteHalfClosure`), so a
/// client that goes away while a response is streaming (a watch) leaves the connection open
/// until the server's next write fails: its watcher would stay registered meanwhile, for as
/// long as no event comes. kube-apiserver (Go's net/http) takes the client's end of input as
/// the client being gone and ends the request at once; so does this.
///
/// Under HTTP/2 the connection handler closes on end of input itself, and a stream's end is a
/// RST_STREAM, which closes the stream channel (`WatchResponder` ends the watch on that).
final class PeerClosedHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed? = event as? ChannelEvent {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
