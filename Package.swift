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
    ],
    targets: [
        // The language core: lexer, parser, binder, the API's filter model, request encoding
        // and decoding, canonical printer. Foundation only.
        .target(name: "ActivityQuery"),
        .executableTarget(
            name: "actq",
            dependencies: [
                "ActivityQuery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ActivityQueryTests",
            dependencies: ["ActivityQuery"]
        ),
        .testTarget(
            name: "actqTests",
            dependencies: ["actq"]
        ),
    ]
)
