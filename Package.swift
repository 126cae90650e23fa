// swift-tools-version:6.0
import PackageDescription

/// The commit actq is built from, for `actq --version` (none outside a git checkout).
let buildCommit: String = {
    guard let git = Context.gitInformation else { return "unknown" }
    return String(git.currentCommit.prefix(12)) + (git.hasUncommittedChanges ? "+changes" : "")
}()

let package = Package(
    name: "actq",
    // Synchronization's Atomic (the remote backend's interrupt flag) needs macOS 15.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "actq", targets: ["actq"]),
        .executable(name: "actq-mcp", targets: ["actq-mcp"]),
        .library(name: "ActivityQuery", targets: ["ActivityQuery"]),
        // The other libraries, for the fuzzing package in Tests/Fuzz (and anyone embedding actq).
        .library(name: "ActivityModel", targets: ["ActivityModel"]),
        .library(name: "ActivityRemote", targets: ["ActivityRemote"]),
        .library(name: "ActivityServer", targets: ["ActivityServer"]),
        .library(name: "LanguageServer", targets: ["LanguageServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // The language core: lexer, parser, binder, the API's filter model, request encoding
        // and decoding, canonical printer. Foundation only.
        .target(name: "ActivityQuery"),
        // The activity resource: a faithful JSON value, the API's JSON and XML shapes, the
        // fields the filters read, and the output formats.
        .target(name: "ActivityModel", dependencies: ["ActivityQuery"]),
        // The stores: an indexed SQLite file, or a PostgreSQL database, with the API's
        // semantics through one SQL compiler; import, migrations, demo data.
        .target(
            name: "ActivityStore",
            dependencies: [
                "ActivityQuery", "ActivityModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                // sqlite3_column_* on GRDB's statements, for rows served without a copy.
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The HTTP client backend: login, session reuse, requests, tolerant response parsing.
        .target(
            name: "ActivityRemote",
            dependencies: [
                "ActivityQuery", "ActivityModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // The API emulator: the activity search API over a local store.
        .target(
            name: "ActivityServer",
            dependencies: [
                "ActivityQuery", "ActivityModel", "ActivityStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The build's commit, for `actq --version`.
        .target(name: "CBuildInfo", cSettings: [.define("ACTQ_GIT_COMMIT", to: "\"\(buildCommit)\"")]),
        // Non-variadic C wrappers over the system libedit, and a Swift line editor on top.
        .target(name: "CEditLine", linkerSettings: [.linkedLibrary("edit")]),
        .target(name: "LineEditor", dependencies: ["CEditLine"]),
        // LSP framing, message types and handlers (no LSP package is available offline).
        .target(name: "LanguageServer", dependencies: ["ActivityQuery"]),
        // The MCP server for AI agents: validated searches, checks, explanations as tools.
        .target(
            name: "ActivityAgent",
            dependencies: ["ActivityQuery", "ActivityModel", .product(name: "MCP", package: "swift-sdk")]
        ),
        // The command line: every subcommand, its options and how it runs.
        .target(
            name: "ActqCommands",
            dependencies: [
                "ActivityQuery",
                "ActivityModel",
                "ActivityStore",
                "LineEditor",
                "LanguageServer",
                "ActivityRemote",
                "ActivityServer",
                "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "actq", dependencies: ["ActqCommands"]),
        // `actq mcp`'s server, a separate executable: the MCP SDK links Foundation's networking
        // (libcurl and its libraries), which would slow every start of `actq`.
        .executableTarget(
            name: "actq-mcp",
            dependencies: ["ActqCommands", "ActivityAgent", .product(name: "MCP", package: "swift-sdk")]
        ),
        // Helpers the test targets share (marked positions in test input).
        .target(name: "ActqTestSupport", path: "Tests/ActqTestSupport"),
        .testTarget(
            name: "ActivityQueryTests",
            dependencies: ["ActivityQuery", "ActivityModel", "ActqTestSupport"]
        ),
        .testTarget(
            name: "ActivityModelTests",
            dependencies: ["ActivityModel", "ActqTestSupport"]
        ),
        .testTarget(
            name: "ActivityStoreTests",
            dependencies: ["ActivityStore", "ActivityModel", "ActivityQuery", "ActqTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            // Read from the source tree by path, not bundled.
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ActivityRemoteTests",
            dependencies: ["ActivityRemote"]
        ),
        .testTarget(
            name: "LanguageServerTests",
            dependencies: ["LanguageServer", "ActivityQuery", "ActivityModel", "ActqTestSupport"]
        ),
        .testTarget(
            name: "BackendTests",
            dependencies: [
                "ActivityServer", "ActivityRemote", "ActivityStore", "ActivityModel", "ActivityQuery",
                "ActqTestSupport", .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "AgentTests",
            dependencies: [
                "ActivityAgent", "ActivityStore", "ActivityModel", "ActivityQuery", "ActqTestSupport",
                .product(name: "MCP", package: "swift-sdk"),
            ],
            exclude: ["embed_texts.py"]
        ),
        .testTarget(
            name: "actqTests",
            // The two executables, so that the tests can run them; the commands' module for the
            // tests of the command line's parsing.
            dependencies: ["actq", "actq-mcp", "ActqCommands", "ActqTestSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
    ]
)
