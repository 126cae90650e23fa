import Foundation
import Hummingbird
import Logging

extension Emulator {
    /// The emulator as a Hummingbird application on `host:port` (port 0: any free port; the
    /// port bound is handed to `onRunning`). Each request is logged with its method, path,
    /// status and time; headers and bodies, which hold sessions and passwords, never are.
    public func application(
        host: String = "127.0.0.1", port: Int = 8080, limits: ConnectionLimits = ConnectionLimits(), logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Application<CallbackResponder<BasicRequestContext>> {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            let started = DispatchTime.now()
            let response = await self.respond(to: request)
            if logger.logLevel <= .info {
                let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6
                logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(String(format: "%.2f", elapsed)) ms",
                            metadata: request.uri.query.map { ["query": .string($0)] } ?? [:])
            }
            return response
        }
        return Application(
            responder: responder,
            server: limits.server,
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "actq-emulator"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
