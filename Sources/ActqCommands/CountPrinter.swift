import ActivityModel
import ActivityQuery
import Foundation

/// Runs a plan with `count` and prints the counts: a table of value, count and bar, or JSON,
/// NDJSON, CSV or XML for programs.
struct CountPrinter {
    let format: ResultFormat
    let output: StandardOutput
    /// Bars in `#` instead of Unicode blocks (`--color never`, or no UTF-8 locale).
    var plainBars = false
    var width: Int? = ResultPrinter.terminalWidth

    func print(_ plan: QueryPlan, all: Bool, backend: any ActivityBackend) throws -> SearchSummary {
        let counts = try Counting.run(plan, all: all, backend: backend)
        output.write(counts.grouped ? render(counts.groups, total: counts.total) : renderTotal(counts.total))
        return SearchSummary(total: counts.total, returned: counts.total, window: nil, requests: counts.requests)
    }

    private func renderTotal(_ total: Int) -> String {
        switch format {
        case .json: "{\"count\":\(total)}\n"
        case .ndjson: "{\"count\":\(total)}\n"
        case .csv: "count\n\(total)\n"
        case .xml: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<count>\(total)</count>\n"
        case .table, .vertical: "\(total)\n"
        }
    }

    private func render(_ groups: [(value: String?, count: Int)], total: Int) -> String {
        func json(_ group: (value: String?, count: Int)) -> String {
            "{\"value\":" + (group.value.map { JSONWriter.string(.string($0)) } ?? "null") + ",\"count\":\(group.count)}"
        }
        switch format {
        case .json:
            return "{\"groups\":[" + groups.map(json).joined(separator: ",") + "],\"count\":\(total)}\n"
        case .ndjson:
            return groups.map { json($0) + "\n" }.joined()
        case .csv:
            return "value,count\n" + groups.map { CSVResultWriter.field($0.value ?? "") + ",\($0.count)\n" }.joined()
        case .xml:
            return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<counts count=\"\(total)\">\n"
                + groups.map { "  <group" + ($0.value.map { " value=\"\(ActivityXML.escape($0, inAttribute: true))\"" } ?? "") + " count=\"\($0.count)\"/>\n" }.joined()
                + "</counts>\n"
        case .table, .vertical:
            let labels = groups.map { TableLayout.sanitize($0.value ?? "(none)") }
            let labelWidth = labels.map(DisplayWidth.of).max() ?? 0
            let counts = groups.map { QueryRunner.grouped($0.count) }
            let countWidth = counts.map(\.count).max() ?? 0
            let barWidth = max(10, (width ?? 80) - labelWidth - countWidth - 4)
            let largest = max(1, groups.map(\.count).max() ?? 1)
            var text = ""
            for (index, group) in groups.enumerated() {
                let label = labels[index] + String(repeating: " ", count: labelWidth - DisplayWidth.of(labels[index]))
                let count = String(repeating: " ", count: countWidth - counts[index].count) + counts[index]
                text += "\(label)  \(count)  \(bar(Double(group.count) / Double(largest) * Double(barWidth)))\n"
            }
            return text
        }
    }

    /// A horizontal bar `cells` wide, in eighths of a cell (or whole `#`s).
    private func bar(_ cells: Double) -> String {
        if plainBars { return String(repeating: "#", count: Int(cells.rounded())) }
        let eighths = Int((cells * 8).rounded())
        let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"][eighths % 8]
        return String(repeating: "█", count: eighths / 8) + partial
    }
}
