/// The names the ECE Interaction API defines, in one place for the request encoder and decoder,
/// the remote client, the emulator and `explain`.
public enum API {
    /// The activity search, under the base URL (`https://host/system`).
    public static let activityPath = "/ws/v12/interaction/activity"
    public static let loginPath = "/ws/v12/authentication/user/login"
    public static let logoutPath = "/ws/v12/authentication/user/logout"
    /// The session header: the login's answer carries it, every later request sends it back.
    public static let sessionHeader = "X-egain-session"
    /// The login's parameter that ends the user's oldest session when all of theirs are in use
    /// (`forceLogin=yes`).
    public static let forceLoginParameter = "forceLogin"
    public static let forceLoginQuery = forceLoginParameter + "=yes"

    /// The search's parameters besides the filters.
    public enum Parameter {
        public static let pageNumber = "$pagenum"
        public static let pageSize = "$pagesize"
        public static let rangeStart = "$rangestart"
        public static let rangeSize = "$rangesize"
        public static let sort = "$sort"
        public static let order = "$order"
        public static let attribute = "$attribute"

        public static let all = [pageNumber, pageSize, rangeStart, rangeSize, sort, order, attribute]
    }
}

/// How bodies travel: JSON or XML (`Accept` for answers, `Content-Type` for the login).
public enum Wire: String, Sendable, CaseIterable, Codable {
    case json, xml

    /// The media type of the format (the remote backend's `Accept`, as `explain` shows it).
    public var mediaType: String {
        switch self {
        case .json: "application/json"
        case .xml: "application/xml"
        }
    }
}

/// Requests as `explain`, the REPL's `:explain` and the language server's hover show them.
public enum RequestRendering {
    /// What stands for the session: it is never shown.
    public static let maskedSession = "********"

    /// The request line, then (with `headers`) the headers as the remote backend sends them.
    public static func text(_ request: SearchRequest, wire: Wire, headers: Bool = true) -> String {
        let line = "\(SearchRequest.method) \(request.pathAndQuery)"
        guard headers else { return line }
        return line + "\nAccept: \(wire.mediaType)\n\(API.sessionHeader): \(maskedSession)"
    }

    /// Several requests, a blank line apart (`separator`); with `counted`, several are counted
    /// first.
    public static func text(_ requests: [SearchRequest], wire: Wire, headers: Bool = true, counted: Bool = false) -> String {
        let blocks = requests.map { text($0, wire: wire, headers: headers) }.joined(separator: headers ? "\n\n" : "\n")
        return counted && requests.count > 1 ? "# \(requests.count) requests, merged by activity ID\n" + blocks : blocks
    }
}
