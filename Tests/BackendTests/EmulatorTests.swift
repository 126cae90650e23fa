import ActivityModel
import ActivityServer
import ActivityStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The emulator against each rule and status code of the API description. Every test body runs
/// twice: in-process against the responder, and over a live HTTP connection.
@Suite struct EmulatorTests {
    static let storePath: Result<String, Error> = Result {
        let path = temporaryStorePath()
        _ = try Importer.run(files: [fixtureJSON], into: try ActivityStore(path: path))
        return path
    }

    static let setups: [TestingSetup] = [.router, .live]
    static let sessionHeader = HTTPField.Name("X-egain-session")!
    static let base = "/system/ws/v12"

    /// Runs `body` against a fresh emulator (fresh sessions) over the fixture store.
    func withClient<T: Sendable>(
        _ setup: TestingSetup, sessions: SessionTable = SessionTable(),
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let app = try makeEmulator(storePath: try Self.storePath.get(), sessions: sessions).application(port: 0, limits: patientLimits, logger: quietLogger)
        return try await app.test(setup, body)
    }

    /// Runs `body` against an emulator over a store of its own (the fixture, imported afresh),
    /// with the store's path and a session, for tests that change or break the store.
    func withOwnStore(_ setup: TestingSetup, _ body: @Sendable (any TestClientProtocol, String, String) async throws -> Void) async throws {
        let path = temporaryStorePath()
        defer { removeStore(path) }
        _ = try Importer.run(files: [fixtureJSON], into: try ActivityStore(path: path))
        let app = try makeEmulator(storePath: path).application(port: 0, limits: patientLimits, logger: quietLogger)
        try await app.test(setup) { client in try await body(client, path, try await Self.session(client)) }
    }

    static func login(_ client: some TestClientProtocol, user: String = testUser, password: String = testPassword,
                      force: Bool = false) async throws -> TestResponse {
        let body = JSONWriter.string(.object(JSONObject([JSONMember("userName", .string(user)), JSONMember("password", .string(password))])))
        return try await client.execute(uri: base + "/authentication/user/login" + (force ? "?forceLogin=yes" : ""), method: .post,
                                        headers: [.contentType: "application/json", .accept: "application/json"],
                                        body: ByteBuffer(string: body))
    }

    static func session(_ client: some TestClientProtocol) async throws -> String {
        let response = try await login(client)
        #expect(response.status == .noContent)
        return try #require(response.headers[Self.sessionHeader])
    }

    static func search(_ client: some TestClientProtocol, _ query: String, session: String?,
                       accept: String? = "application/json", extra: HTTPFields = [:], prefix: String = base) async throws -> TestResponse {
        var headers = extra
        if let session { headers[Self.sessionHeader] = session }
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: prefix + "/interaction/activity" + (query.isEmpty ? "" : "?" + query), method: .get, headers: headers)
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        guard case .object(let object) = try JSONParser.parse(Array(response.body.readableBytesView)),
              case .string(let code)? = object["code"] else { return nil }
        return code
    }

    @Test(arguments: setups)
    func loginAnswers204WithTheSessionHeaderAndNoBody(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let response = try await Self.login(client)
            #expect(response.status == .noContent)
            #expect(response.body.readableBytes == 0)
            #expect((response.headers[Self.sessionHeader]?.count ?? 0) >= 32)
        }
    }

    @Test(arguments: setups)
    func loginTakesAnXMLBody(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let body = "<p:login xmlns:p=\"\(ActivityXML.platformNamespace)\"><p:userName>\(testUser)</p:userName><p:password>\(testPassword)</p:password></p:login>"
            let response = try await client.execute(uri: Self.base + "/authentication/user/login", method: .post,
                                                    headers: [.contentType: "application/xml"], body: ByteBuffer(string: body))
            #expect(response.status == .noContent)
            #expect(response.headers[Self.sessionHeader] != nil)
        }
    }

    /// XML that crashed the server when Foundation's XMLParser read it (a processing instruction
    /// without data, found by fuzzing), DTDs and invalid UTF-8, as anonymous login bodies: each
    /// is a 400, and the server lives on.
    @Test(arguments: setups)
    func hostileXMLLoginsAre400AndTheServerLivesOn(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let bodies: [[UInt8]] = [
                Array("<login><?pi?></login>".utf8),
                Array("<?xml\n<login><?xml?></login>".utf8),
                Array("<!DOCTYPE login [<!ENTITY a \"b\">]><login/>".utf8),
                Array("<login><userName>".utf8) + [0xFF] + Array("</userName></login>".utf8),
            ]
            for body in bodies {
                let response = try await client.execute(uri: Self.base + "/authentication/user/login", method: .post,
                                                        headers: [.contentType: "application/xml"], body: ByteBuffer(bytes: body))
                #expect(response.status == .badRequest, "\(String(decoding: body, as: UTF8.self).debugDescription)")
            }
            let after = try await Self.login(client)
            #expect(after.status == .noContent)
        }
    }

    @Test(arguments: setups)
    func wrongPasswordIs401AndNamesNoSecret(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let response = try await Self.login(client, password: "not the password")
            #expect(response.status == .unauthorized)
            #expect(response.headers[Self.sessionHeader] == nil)
            let text = String(buffer: response.body)
            #expect(!text.contains("not the password"))
            #expect(try Self.errorCode(response) == "401-102")
            let unknown = try await Self.login(client, user: "nobody")
            #expect(unknown.status == .unauthorized)
        }
    }

    @Test(arguments: setups)
    func noSessionIs401With401_101(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let missing = try await Self.search(client, "status=open", session: nil)
            #expect(missing.status == .unauthorized)
            #expect(try Self.errorCode(missing) == "401-101")
            let invalid = try await Self.search(client, "status=open", session: "0123456789ABCDEF")
            #expect(invalid.status == .unauthorized)
            #expect(try Self.errorCode(invalid) == "401-101")
        }
    }

    @Test(arguments: setups)
    func searchAnswersJSONWithPaginationInfoAndEchoesTheSession(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let response = try await Self.search(client, "case=1001&$pagenum=2&$pagesize=10", session: session)
            #expect(response.status == .ok)
            #expect(response.headers[Self.sessionHeader] == session)
            #expect(response.headers[.contentType] == "application/json")
            let value = try JSONParser.parse(Array(response.body.readableBytesView))
            guard case .array(let activities)? = value["activity"] else { Issue.record("no activity array"); return }
            #expect(activities.map { $0["id"] } == [2014, 2015])
            #expect(value["paginationInfo"] == ["count": 12, "pagenum": 2, "pagesize": 10])
        }
    }

    @Test(arguments: setups)
    func bothPrefixesAndEncodedBracketsAreAccepted(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let raw = try await Self.search(client, "status=open&lastModifiedDate=[2024-01-01T00:00:00.000Z,2024-01-31T23:59:59.999Z]",
                                            session: session, prefix: "/ws/v12")
            let encoded = try await Self.search(client, "status=open&lastModifiedDate=%5B2024-01-01T00%3A00%3A00.000Z%2C2024-01-31T23%3A59%3A59.999Z%5D",
                                                session: session)
            #expect(raw.status == .ok)
            #expect(String(buffer: raw.body) == String(buffer: encoded.body))
            let value = try JSONParser.parse(Array(raw.body.readableBytesView))
            #expect(value["paginationInfo"]?["count"] == 2)
        }
    }

    @Test(arguments: setups)
    func xmlIsTheDefaultAndErrorsFollowAccept(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let response = try await Self.search(client, "customer=1002", session: session, accept: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/xml")
            var ids: [Int64] = []
            let count = try ActivityXML.readResponse(data: Data(response.body.readableBytesView), file: "answer") { activity, _ in ids.append(activity.id) }
            #expect(ids == [2001, 2002])
            #expect(count == 2)
            let failure = try await Self.search(client, "type=email", session: session, accept: "application/xml")
            #expect(failure.status == .badRequest)
            let text = String(buffer: failure.body)
            #expect(text.contains("<error xmlns=\"\(ActivityXML.commonNamespace)\"><code>400-102</code><developerMessage>"))
        }
    }

    @Test(arguments: setups)
    func typeAloneIs400(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let response = try await Self.search(client, "type=email", session: session)
            #expect(response.status == .badRequest)
            #expect(try Self.errorCode(response) == "400-102")
            let allowed = try await Self.search(client, "queue=1000&type=email", session: session)
            #expect(allowed.status == .ok)
        }
    }

    @Test(arguments: setups)
    func repeatedOrUnknownParametersAre400(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let unknown = try await Self.search(client, "status=open&colour=red", session: session)
            #expect(unknown.status == .badRequest)
            #expect(try Self.errorCode(unknown) == "400-101")
            #expect(String(buffer: unknown.body).contains("Unsupported query parameter(s) supplied"))
            let repeated = try await Self.search(client, "status=open&status=completed", session: session)
            #expect(repeated.status == .badRequest)
            #expect(try Self.errorCode(repeated) == "400-101")
            #expect(String(buffer: repeated.body).contains("'status' is given more than once"))
            let none = try await Self.search(client, "", session: session)
            #expect(none.status == .badRequest)
        }
    }

    @Test(arguments: setups)
    func pagingRules(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            for bad in ["status=open&$pagesize=76", "status=open&$pagesize=0", "status=open&$pagenum=0",
                        "status=open&$rangesize=76", "status=open&$pagenum=1&$rangestart=1",
                        "status=open&$order=desc", "status=open&$sort=subject", "status=open&$pagesize=ten"] {
                let response = try await Self.search(client, bad, session: session)
                #expect(response.status == .badRequest, "\(bad)")
            }
            let largest = try await Self.search(client, "status=open&$pagesize=75", session: session)
            #expect(largest.status == .ok)
        }
    }

    @Test(arguments: setups)
    func unsupportedAcceptIs406(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let html = try await Self.search(client, "status=open", session: session, accept: "text/html")
            #expect(html.status == .notAcceptable)
            #expect(try Self.errorCode(html) == "406-101")
            let language = try await Self.search(client, "status=open", session: session,
                                                 extra: [.acceptLanguage: "fr-FR"])
            #expect(language.status == .notAcceptable)
            let english = try await Self.search(client, "status=open", session: session,
                                                extra: [.acceptLanguage: "de;q=0.5, en-US"])
            #expect(english.status == .ok)
            let weighted = try await Self.search(client, "customer=1002", session: session, accept: "application/xml;q=0.5, application/json")
            #expect(weighted.headers[.contentType] == "application/json")
            // Tabs and spaces around items and parameters, any case; q=0 rules a type out.
            let spaced = try await Self.search(client, "customer=1002", session: session,
                                               accept: "APPLICATION/JSON ;\tQ = 0.9 ,\tapplication/xml;q=0.1")
            #expect(spaced.headers[.contentType] == "application/json")
            let refused = try await Self.search(client, "customer=1002", session: session, accept: "application/json;q=0, */*")
            #expect(refused.headers[.contentType] == "application/xml")
            let upper = try await Self.search(client, "status=open", session: session, extra: [.acceptLanguage: " EN-gb ;q=1"])
            #expect(upper.status == .ok)
        }
    }

    @Test(arguments: setups)
    func emptyResultIs204WithNoBody(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let none = try await Self.search(client, "customer=999999", session: session)
            #expect(none.status == .noContent)
            #expect(none.body.readableBytes == 0)
            #expect(none.headers[Self.sessionHeader] == session)
            let pastTheEnd = try await Self.search(client, "case=1001&$pagenum=3&$pagesize=10", session: session)
            #expect(pastTheEnd.status == .noContent)
            #expect(pastTheEnd.body.readableBytes == 0)
        }
    }

    @Test(arguments: setups)
    func sixthLoginIsRefusedUnlessForced(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            var sessions: [String] = []
            for _ in 0..<5 { sessions.append(try await Self.session(client)) }
            let sixth = try await Self.login(client)
            #expect(sixth.status == .unauthorized)
            #expect(try Self.errorCode(sixth) == "401-103")
            let forced = try await Self.login(client, force: true)
            #expect(forced.status == .noContent)
            // The oldest session ended; the others still work.
            let oldest = try await Self.search(client, "customer=1002", session: sessions[0])
            #expect(oldest.status == .unauthorized)
            let newest = try await Self.search(client, "customer=1002", session: sessions[4])
            #expect(newest.status == .ok)
        }
    }

    @Test(arguments: setups)
    func logoutEndsTheSession(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let name = Self.sessionHeader
            let logout = try await client.execute(uri: Self.base + "/authentication/user/logout", method: .delete,
                                                  headers: [name: session, .accept: "application/json"])
            #expect(logout.status == .noContent)
            #expect(logout.body.readableBytes == 0)
            let after = try await Self.search(client, "customer=1002", session: session)
            #expect(after.status == .unauthorized)
            let again = try await client.execute(uri: Self.base + "/authentication/user/logout", method: .delete, headers: [name: session])
            #expect(again.status == .unauthorized)
        }
    }

    @Test(arguments: setups)
    func idleSessionsExpire(_ setup: TestingSetup) async throws {
        // A clock the test moves by hand, so that load on the machine cannot end a session early.
        let clock = ManualClock()
        let sessions = SessionTable(idleTimeout: .seconds(60), clock: { clock.nanoseconds })
        try await withClient(setup, sessions: sessions) { client in
            let session = try await Self.session(client)
            clock.advance(seconds: 59)
            #expect(try await Self.search(client, "customer=1002", session: session).status == .ok)
            clock.advance(seconds: 59)  // each use restarts the idle time
            #expect(try await Self.search(client, "customer=1002", session: session).status == .ok)
            clock.advance(seconds: 61)
            let expired = try await Self.search(client, "customer=1002", session: session)
            #expect(expired.status == .unauthorized)
            #expect(try Self.errorCode(expired) == "401-101")
        }
    }

    @Test(arguments: setups)
    func userWithoutTheActionGets403(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let login = try await Self.login(client, user: "viewer-without-rights", password: "pw")
            let session = try #require(login.headers[Self.sessionHeader])
            let response = try await Self.search(client, "customer=1002", session: session)
            #expect(response.status == .forbidden)
            #expect(try Self.errorCode(response) == "403-101")
        }
    }

    @Test(arguments: setups)
    func userMessageOnlyWhenAskedFor(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let session = try await Self.session(client)
            let plain = try await Self.search(client, "type=email", session: session)
            #expect(try JSONParser.parse(Array(plain.body.readableBytesView))["userMessage"] == nil)
            let asked = try await Self.search(client, "type=email", session: session,
                                              extra: [HTTPField.Name("X-egain-error-message")!: "yes"])
            #expect(try JSONParser.parse(Array(asked.body.readableBytesView))["userMessage"] != nil)
        }
    }

    /// Answers are kept per connection while the store is unchanged: a search asked again after
    /// another process committed to the store (an import while the server runs) sees the new
    /// content, in both formats, and a repeated search without a commit gets the same bytes.
    @Test(arguments: setups)
    func aRepeatedSearchSeesWhatWasCommittedMeanwhile(_ setup: TestingSetup) async throws {
        try await withOwnStore(setup) { client, path, session in
            func count(_ accept: String) async throws -> (count: Int, body: [UInt8]) {
                let response = try await Self.search(client, "customer=1002", session: session, accept: accept)
                #expect(response.status == .ok)
                let body = Array(response.body.readableBytesView)
                if accept == "application/json" {
                    guard case .number(let count)? = try JSONParser.parse(body)["paginationInfo"]?["count"] else { return (-1, body) }
                    return (Int(count) ?? -1, body)
                }
                // <paginationInfo><count>N</count>…
                let text = String(decoding: body, as: UTF8.self)
                let count = text.components(separatedBy: "<paginationInfo><count>").last?.prefix { $0.isNumber }
                return (count.flatMap { Int($0) } ?? -1, body)
            }
            // Every pool connection is asked more often than there are connections.
            var before: [String: (count: Int, body: [UInt8])] = [:]
            for accept in ["application/json", "application/xml"] {
                before[accept] = try await count(accept)
                for _ in 0..<12 { #expect(try await count(accept).body == before[accept]!.body) }
            }
            #expect(before["application/json"]!.count == 2)
            // Another connection adds an activity of the same customer.
            let resource = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: fixtureJSON))))
            guard case .array(let activities)? = resource["activity"],
                  case .object(var added)? = activities.first(where: { $0["customer"]?["id"] == 1002 }) else {
                Issue.record("the fixture has no activity of customer 1002")
                return
            }
            added["id"] = 987_654
            let writer = try ActivityStore(path: path)
            try writer.write { try $0.put(try Activity(resource: added)) }
            for accept in ["application/json", "application/xml"] {
                for _ in 0..<12 { #expect(try await count(accept).count == before[accept]!.count + 1) }
            }
            // A refusal is the same each time it is asked.
            for _ in 0..<12 {
                let refused = try await Self.search(client, "customer=1002&colour=red", session: session)
                #expect(refused.status == .badRequest)
                #expect(try Self.errorCode(refused) == "400-101")
            }
        }
    }

    @Test(arguments: setups)
    func brokenStoreIs500(_ setup: TestingSetup) async throws {
        // The store is overwritten with garbage under a running server: the pages a search reads
        // are no longer a database, the search fails, and the server answers 500 rather than
        // dying. (In WAL mode, readers notice changes through the WAL index, not the file header,
        // so garbage in the header page alone would go unseen while the schema is cached.)
        try await withOwnStore(setup) { client, path, session in
            #expect(try await Self.search(client, "customer=1002", session: session).status == .ok)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 4096
            try handle.write(contentsOf: Data(repeating: 0x41, count: size))
            try handle.close()
            let response = try await Self.search(client, "customer=1002", session: session)
            #expect(response.status == .internalServerError)
            #expect(try Self.errorCode(response) == "500-101")
        }
    }

    @Test(arguments: setups)
    func wrongMethodAndUnknownPath(_ setup: TestingSetup) async throws {
        try await withClient(setup) { client in
            let json: HTTPFields = [.accept: "application/json"]
            let post = try await client.execute(uri: Self.base + "/interaction/activity?status=open", method: .post, headers: json)
            #expect(post.status == .methodNotAllowed)
            #expect(try Self.errorCode(post) == "405-101")
            let unknown = try await client.execute(uri: Self.base + "/interaction/case", method: .get, headers: json)
            #expect(unknown.status == .notFound)
            #expect(try Self.errorCode(unknown) == "404-101")
        }
    }
}

final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var value: UInt64 = 1_000_000_000

    var nanoseconds: UInt64 { lock.withLock { value } }

    func advance(seconds: UInt64) {
        lock.withLock { value += seconds * 1_000_000_000 }
    }
}
