/// Marked positions in test input, as swift-syntax's tests write them: `"status = 1️⃣"`.
/// Returns the text without the markers and the UTF-8 offset of each marker.
public func extractMarkers(_ marked: String) -> (text: String, markers: [String: Int]) {
    let names = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣"]
    var text = ""
    var markers: [String: Int] = [:]
    var rest = Substring(marked)
    outer: while !rest.isEmpty {
        for name in names where rest.hasPrefix(name) {
            markers[name] = text.utf8.count
            rest = rest.dropFirst(name.count)
            continue outer
        }
        text.append(rest.removeFirst())
    }
    return (text, markers)
}
