// swift-tools-version:6.0
// libFuzzer targets for actq's parsers. Not part of the normal build: `make fuzz` builds this
// package with -sanitize=fuzzer,address and runs each target (ACTQ_FUZZ_TARGET picks one).
import PackageDescription

let package = Package(
    name: "ActqFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "actq", path: "../..")],
    targets: [
        .executableTarget(
            name: "ActqFuzz",
            dependencies: [
                .product(name: "ActivityQuery", package: "actq"),
                .product(name: "ActivityModel", package: "actq"),
                .product(name: "ActivityRemote", package: "actq"),
                .product(name: "ActivityServer", package: "actq"),
                .product(name: "LanguageServer", package: "actq"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
