import ActivityModel
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The login request's body: `{"userName":…,"password":…}` or
/// `<login xmlns="…/v12/gen/platform"><userName/><password/></login>`.
struct LoginBody {
    var userName: String
    var password: String

    struct Problem: Error {
        var message: String
    }

    static func parse(_ bytes: [UInt8], contentType: String?) -> Result<LoginBody, Problem> {
        let type = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        let firstByte = bytes.first { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        let isXML = type == "application/xml" || type == "text/xml" || (type == nil && firstByte == UInt8(ascii: "<"))
        if type != nil, !isXML, type != "application/json" {
            return .failure(Problem(message: "the login body must be application/json or application/xml, not \(type!)"))
        }
        return isXML ? parseXML(bytes) : parseJSON(bytes)
    }

    private static func parseJSON(_ bytes: [UInt8]) -> Result<LoginBody, Problem> {
        guard let value = try? JSONParser.parse(bytes), case .object(let object) = value else {
            return .failure(Problem(message: "the login body is not a JSON object with userName and password"))
        }
        guard case .string(let user)? = object["userName"], case .string(let password)? = object["password"] else {
            return .failure(Problem(message: "the login body needs userName and password as strings"))
        }
        return .success(LoginBody(userName: user, password: password))
    }

    private static func parseXML(_ bytes: [UInt8]) -> Result<LoginBody, Problem> {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        let reader = Reader()
        parser.delegate = reader
        let finished = parser.parse()
        parser.delegate = nil
        guard finished, reader.sawLogin else {
            return .failure(Problem(message: "the login body is not a <login> element in namespace \(ActivityXML.platformNamespace)"))
        }
        guard let user = reader.values["userName"], let password = reader.values["password"] else {
            return .failure(Problem(message: "the login body needs <userName> and <password>"))
        }
        return .success(LoginBody(userName: user, password: password))
    }

    private final class Reader: NSObject, XMLParserDelegate {
        var depth = 0
        var sawLogin = false
        var current: String?
        var values: [String: String] = [:]

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            depth += 1
            if depth == 1 {
                sawLogin = name == "login" && namespaceURI == ActivityXML.platformNamespace
                if !sawLogin { parser.abortParsing() }
            } else if depth == 2, name == "userName" || name == "password" {
                current = name
                values[name] = ""
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if let current { values[current, default: ""] += string }
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if depth == 2 { current = nil }
            depth -= 1
        }
    }
}
