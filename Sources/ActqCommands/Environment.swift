import Foundation

/// The process's environment variables, read one at a time with getenv(3).
///
/// `ProcessInfo.processInfo.environment` copies every variable into a new dictionary on each
/// access: a few of those were a tenth of a cold `actq -e`'s instructions.
enum Environment {
    static subscript(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
