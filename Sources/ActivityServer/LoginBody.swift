import ActivityModel
import Foundation

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
        let fields = XMLFields.read(bytes, names: ["userName", "password"])
        guard fields.wellFormed, fields.rootName == "login", fields.rootNamespace == ActivityXML.platformNamespace else {
            return .failure(Problem(message: "the login body is not a <login> element in namespace \(ActivityXML.platformNamespace)"))
        }
        guard let user = fields.texts["userName"], let password = fields.texts["password"] else {
            return .failure(Problem(message: "the login body needs <userName> and <password>"))
        }
        return .success(LoginBody(userName: user, password: password))
    }
}
