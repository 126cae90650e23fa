@testable import ActivityRemote
import Testing

/// What the remote backend's own HTTP client makes of a base URL and a request, byte for byte.
@Suite struct HTTPMessageTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/system", Endpoint.Scheme.http, "127.0.0.1", 8080, "/system", "127.0.0.1:8080"),
        ("http://ece.example.com/system/", .http, "ece.example.com", 80, "/system", "ece.example.com"),
        ("https://ece.example.com", .https, "ece.example.com", 443, "", "ece.example.com"),
        ("HTTPS://ece.example.com:8443/a/b//", .https, "ece.example.com", 8443, "/a/b", "ece.example.com:8443"),
        ("http://[::1]:9000/system", .http, "::1", 9000, "/system", "[::1]:9000"),
        ("http://[::1]/system", .http, "::1", 80, "/system", "[::1]"),
    ])
    func endpoints(url: String, scheme: Endpoint.Scheme, host: String, port: Int, basePath: String, hostHeader: String) throws {
        let endpoint = try #require(Endpoint(baseURL: url))
        #expect(endpoint.scheme == scheme)
        #expect(endpoint.host == host)
        #expect(endpoint.port == port)
        #expect(endpoint.basePath == basePath)
        #expect(endpoint.hostHeader == hostHeader)
    }

    @Test(arguments: ["ftp://host/system", "host/system", "http:///system", "http://", "not a url", "http://host:0/system", "http://host:70000/x"])
    func notEndpoints(url: String) {
        #expect(Endpoint(baseURL: url) == nil)
    }

    @Test func aSearchIsARequestLineHostAndHeaders() throws {
        let transport = SocketTransport(endpoint: try #require(Endpoint(baseURL: "http://127.0.0.1:8080/system")),
                                        connectTimeout: 1, readTimeout: 1, maximumBodySize: 1 << 20)
        var request = HTTPRequestMessage(.GET, "/ws/v12/interaction/activity?customer=1080&lastModifiedDate=%5B2024-01-01T00:00:00.000Z,%5D")
        request.addHeader("X-egain-session", "S")
        request.addHeader("Accept", "application/json")
        #expect(String(decoding: transport.encode(request), as: UTF8.self) == """
            GET /system/ws/v12/interaction/activity?customer=1080&lastModifiedDate=%5B2024-01-01T00:00:00.000Z,%5D HTTP/1.1\r
            Host: 127.0.0.1:8080\r
            X-egain-session: S\r
            Accept: application/json\r
            \r

            """)
    }

    @Test func aLoginCarriesItsBodyWithItsLength() throws {
        let transport = SocketTransport(endpoint: try #require(Endpoint(baseURL: "http://example.com/system")),
                                        connectTimeout: 1, readTimeout: 1, maximumBodySize: 1 << 20)
        var request = HTTPRequestMessage(.POST, "/ws/v12/authentication/user/login")
        request.addHeader("Content-Type", "application/json")
        request.body = Array(#"{"userName":"jenny","password":"ü"}"#.utf8)
        #expect(String(decoding: transport.encode(request), as: UTF8.self) == """
            POST /system/ws/v12/authentication/user/login HTTP/1.1\r
            Host: example.com\r
            Content-Type: application/json\r
            Content-Length: 36\r
            \r
            {"userName":"jenny","password":"ü"}
            """)
    }

    @Test func headerNamesCompareWithoutCaseAndListsTrim() {
        #expect(HeaderField.sameName("Content-Length", "content-length"))
        #expect(HeaderField.sameName("X-EGAIN-SESSION", "X-egain-session"))
        #expect(!HeaderField.sameName("Content-Length", "Content-Lengths"))
        #expect(!HeaderField.sameName("Content-Length", "Content_Length"))
        #expect(HeaderField.list(" gzip ,\tChunked") == ["gzip", "chunked"])
        #expect(HeaderField.list("close") == ["close"])
        #expect(HeaderField.list("a,,b") == ["a", "", "b"])
        let answer = HTTPAnswer(status: 200, reason: "OK", headers: [("content-TYPE", "application/json"), ("Content-Type", "x")], body: [])
        #expect(answer.header("Content-Type") == "application/json")
        #expect(answer.header("Location") == nil)
    }
}
