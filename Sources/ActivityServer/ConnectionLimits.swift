import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// What one connection to the emulator may take: a request head must be complete within
/// `headTimeout` (of the connection's start, or of the answer before), a connection without
/// traffic closes after `idleTimeout`, and request lines and headers are bounded in size, as
/// nginx and curl bound them. Slow or endless clients cost a timer, not a thread or memory.
public struct ConnectionLimits: Sendable {
    public var headTimeout: TimeAmount = .seconds(30)
    public var idleTimeout: TimeAmount = .seconds(60)
    /// Largest header line, request line included: twice the emulator's own 16 KiB limit on a
    /// query string, so that a long query gets the API's 400-102 answer, and only a request far
    /// beyond it a bare 400 from the HTTP layer (nginx allows 8 KB by default).
    public var maximumHeaderFieldSize = 32 * 1024
    public var maximumHeaderListSize = 64 * 1024
    public var maximumHeaderFieldCount = 100

    public init() {}

    var http1: HTTP1Channel.Configuration {
        let headTimeout = headTimeout
        return HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadTimeout(timeout: headTimeout)],
            idleTimeout: idleTimeout,
            httpDecoderConfiguration: .init(maxHeaderFieldSize: maximumHeaderFieldSize, maxHeaderListSize: maximumHeaderListSize,
                                            maxHeaderFieldCount: maximumHeaderFieldCount))
    }
}

/// Closes a connection whose next request head does not arrive in time (slowloris). One timer
/// per connection, not one per request: an answer's end only notes the time, and the timer,
/// when it fires early, sleeps again until the deadline that time gives.
final class RequestHeadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// Requests whose head has come and whose answer has not ended.
    private var inFlight = 0
    /// When the connection last became idle (its start, or the end of the last answer).
    private var idleSince = NIODeadline.now()

    init(timeout: TimeAmount) { self.timeout = timeout }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameIdle(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        becameIdle(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { inFlight += 1 }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0 { becameIdle(context) }
        }
        context.write(data, promise: promise)
    }

    private func becameIdle(_ context: ChannelHandlerContext) {
        idleSince = .now()
        if timer == nil { schedule(context, at: idleSince + timeout) }
    }

    private func schedule(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) {
            let (handler, context) = bound.value
            handler.timer = nil
            handler.expired(context)
        }
    }

    /// The timer fired: close if no head came within the timeout of the connection's idling.
    private func expired(_ context: ChannelHandlerContext) {
        // A request in progress: the answer's end starts the next wait.
        guard inFlight == 0 else { return }
        let deadline = idleSince + timeout
        if NIODeadline.now() >= deadline {
            context.close(promise: nil)
        } else {
            schedule(context, at: deadline)
        }
    }
}
