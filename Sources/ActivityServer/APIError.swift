import ActivityModel
import Foundation
import HTTPTypes

/// The emulator's errors: HTTP status, the API's `code` (the number before the dash is the
/// status) and a message for end users.
struct APIError: Sendable {
    var status: HTTPResponse.Status
    var code: String
    var userMessage: String

    static let unsupportedParameter = APIError(status: .badRequest, code: "400-101", userMessage: "The search has a parameter the server does not support.")
    static let badRequest = APIError(status: .badRequest, code: "400-102", userMessage: "The search is not valid.")
    static let badLogin = APIError(status: .badRequest, code: "400-103", userMessage: "The login request is not valid.")
    static let invalidSession = APIError(status: .unauthorized, code: "401-101", userMessage: "Your session has ended. Log in again.")
    static let wrongCredentials = APIError(status: .unauthorized, code: "401-102", userMessage: "The user name or password is wrong.")
    static let tooManySessions = APIError(status: .unauthorized, code: "401-103", userMessage: "You have too many open sessions.")
    static let forbidden = APIError(status: .forbidden, code: "403-101", userMessage: "You are not allowed to search activities.")
    static let notFound = APIError(status: .notFound, code: "404-101", userMessage: "There is no such resource.")
    static let methodNotAllowed = APIError(status: .methodNotAllowed, code: "405-101", userMessage: "The method is not allowed here.")
    static let notAcceptable = APIError(status: .notAcceptable, code: "406-101", userMessage: "The requested format or language is not supported.")
    static let serverFailure = APIError(status: .internalServerError, code: "500-101", userMessage: "The server failed. Try again later.")

    /// `{"code":"400-101","developerMessage":"…","userMessage":"…","details":[{"key":…,"value":…}]}`
    func json(_ message: String, userMessage: String?, details: [(String, String)]) -> String {
        var members: [JSONMember] = [JSONMember("code", .string(code)), JSONMember("developerMessage", .string(message))]
        if let userMessage { members.append(JSONMember("userMessage", .string(userMessage))) }
        if !details.isEmpty {
            members.append(JSONMember("details", .array(details.map { key, value in
                .object(JSONObject([JSONMember("key", .string(key)), JSONMember("value", .string(value))]))
            })))
        }
        return JSONWriter.string(.object(JSONObject(members)))
    }

    func xml(_ message: String, userMessage: String?, details: [(String, String)]) -> String {
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error xmlns=\"\(ActivityXML.commonNamespace)\">"
        text += "<code>\(code)</code><developerMessage>\(ActivityXML.escape(message))</developerMessage>"
        if let userMessage { text += "<userMessage>\(ActivityXML.escape(userMessage))</userMessage>" }
        for (key, value) in details {
            text += "<details><key>\(ActivityXML.escape(key))</key><value>\(ActivityXML.escape(value))</value></details>"
        }
        return text + "</error>\n"
    }
}
