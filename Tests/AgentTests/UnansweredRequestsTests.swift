import Foundation
import Testing

@testable import ActivityAgent

/// What `actq mcp` waits for when its input ends: the requests read and not answered, matched to
/// their answers by the IDs the SDK reads and writes.
@Suite struct UnansweredRequestsTests {
    static func request(_ id: String) -> Data { Data(#"{"jsonrpc":"2.0","id":\#(id),"method":"tools/list"}"#.utf8) }
    static func answer(_ id: String) -> Data { Data(#"{"id":\#(id),"jsonrpc":"2.0","result":{}}"#.utf8) }

    /// Each pair: the ID a request is read with, the one the SDK answers it with.
    @Test(arguments: [("1", "1"), ("\"one\"", "\"one\""), ("1.0", "1"), ("1e2", "100"), ("-0", "0"), ("null", "\"\"")])
    func aRequestIsWaitedForUntilItsAnswer(read: String, answered: String) {
        var pending = UnansweredRequests()
        _ = pending.read(Self.request(read))
        #expect(!pending.isEmpty)
        pending.sent(Self.answer(answered == "1" ? "2" : "1"))
        pending.sent(Data(#"{"jsonrpc":"2.0","method":"notifications/message","params":{"id":\#(answered)}}"#.utf8))
        #expect(!pending.isEmpty, "another answer, or a notification, is not its answer")
        pending.sent(Self.answer(answered))
        #expect(pending.isEmpty)
    }

    /// The SDK answers these with an ID of its own making (or not at all): waiting for them would
    /// hold the end of the input back until the drain timeout.
    @Test(arguments: ["{}", "[1]", "1.5", "true", "99999999999999999999", "1e300"])
    func aRequestWhoseIDTheSDKCannotReadIsNotWaitedFor(id: String) {
        var pending = UnansweredRequests()
        _ = pending.read(Self.request(id))
        #expect(pending.isEmpty)
    }

    @Test func aMessageWithAResultOrAnErrorIsAResponseNotARequest() {
        var pending = UnansweredRequests()
        _ = pending.read(Data(#"{"jsonrpc":"2.0","id":5,"method":"tools/list","result":{}}"#.utf8))
        _ = pending.read(Data(#"{"jsonrpc":"2.0","id":6,"method":"tools/list","error":{"code":1,"message":"x"}}"#.utf8))
        _ = pending.read(Data(#"{"jsonrpc":"2.0","id":7,"result":{}}"#.utf8))
        #expect(pending.isEmpty)
    }

    @Test func aCancelledRequestIsNotWaitedFor() {
        var pending = UnansweredRequests()
        _ = pending.read(Self.request("3"))
        _ = pending.read(Self.request("\"3\""))
        let cancel = #"{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}"#
        let gaveUp = pending.read(Data(cancel.utf8))
        #expect(gaveUp)
        #expect(!pending.isEmpty, "the string ID \"3\" is another request")
        let again = pending.read(Data(cancel.utf8))
        #expect(!again, "cancelled once already")
        pending.sent(Self.answer("\"3\""))
        #expect(pending.isEmpty)
    }

    @Test func aBatchIsWaitedForUntilEveryAnswerIsSent() {
        var pending = UnansweredRequests()
        _ = pending.read(Data("[\(String(decoding: Self.request("1"), as: UTF8.self)),\(String(decoding: Self.request("2"), as: UTF8.self))]".utf8))
        pending.sent(Data("[\(String(decoding: Self.answer("1"), as: UTF8.self))]".utf8))
        #expect(!pending.isEmpty)
        pending.sent(Data("[\(String(decoding: Self.answer("2"), as: UTF8.self))]".utf8))
        #expect(pending.isEmpty)
    }

    @Test func bytesThatAreNotJSONAreNoRequest() {
        var pending = UnansweredRequests()
        _ = pending.read(Data("{\"id\":1,\"method\":".utf8))
        _ = pending.read(Data([0xFF, 0xFE]))
        #expect(pending.isEmpty)
    }
}
