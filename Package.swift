// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "actq",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "actq", targets: ["actq"]),
        .library(name: "ActivityQuery", targets: ["ActivityQuery"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // The language core: lexer, parser, binder, the API's filter model, request encoding
        // and decoding, canonical printer. Foundation only.
        .target(name: "ActivityQuery"),
        // The activity resource: a faithful JSON value, the API's JSON and XML shapes, the
        // fields the filters read, and the output formats.
        .target(name: "ActivityModel", dependencies: ["ActivityQuery"]),
        // The local backend: an indexed SQLite store with the API's semantics, import, demo data.
        .target(
            name: "ActivityStore",
            dependencies: ["ActivityQuery", "ActivityModel", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Non-variadic C wrappers over the system libedit, and a Swift line editor on top.
        .target(name: "CEditLine", linkerSettings: [.linkedLibrary("edit")]),
        .target(name: "LineEditor", dependencies: ["CEditLine"]),
        // LSP framing, message types and handlers (no LSP package is available offline).
        .target(name: "LanguageServer", dependencies: ["ActivityQuery"]),
        .executableTarget(
            name: "actq",
            dependencies: [
                "ActivityQuery",
                "ActivityModel",
                "ActivityStore",
                "LineEditor",
                "LanguageServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers the test targets share (marked positions in test input).
        .target(name: "ActqTestSupport", path: "Tests/ActqTestSupport"),
        .testTarget(
            name: "ActivityQueryTests",
            dependencies: ["ActivityQuery", "ActqTestSupport"]
        ),
        .testTarget(
            name: "ActivityModelTests",
            dependencies: ["ActivityModel"]
        ),
        .testTarget(
            name: "ActivityStoreTests",
            dependencies: ["ActivityStore", "ActivityModel", "ActivityQuery"]
        ),
        .testTarget(
            name: "LanguageServerTests",
            dependencies: ["LanguageServer", "ActivityQuery", "ActqTestSupport"]
        ),
        .testTarget(
            name: "actqTests",
            dependencies: ["actq", "ActqTestSupport"]
        ),
    ]
)
