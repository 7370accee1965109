// swift-tools-version: 6.0
import PackageDescription

/// The same compiler settings as the Gatehouse package: Swift 6 language mode (strict concurrency) everywhere.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// The fuzzing executable, in a package of its own. libFuzzer drives it when `scripts/fuzz.sh` builds
/// it with `-sanitize=fuzzer -DFUZZING`; an ordinary build replays the committed corpus (`Fuzz/corpus`).
/// The parsers it exercises are `package`-level in Gatehouse and reach it as `@_spi(Fuzzing)`.
let package = Package(
    name: "GatehouseFuzz",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "GatehouseFuzz", targets: ["GatehouseFuzz"])
    ],
    dependencies: [
        // Named, so that the products below are found whatever the checkout's directory is called.
        .package(name: "Gatehouse", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
    ],
    targets: [
        .target(name: "CGatehouseFuzz"),
        .executableTarget(
            name: "GatehouseFuzz",
            dependencies: [
                "CGatehouseFuzz",
                .product(name: "Gatehouse", package: "Gatehouse"),
                .product(name: "GatehouseHummingbird", package: "Gatehouse"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
