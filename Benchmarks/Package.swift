// swift-tools-version: 6.0
import PackageDescription

/// The same compiler settings as the Gatehouse package: Swift 6 language mode (strict concurrency) everywhere.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

/// `gatehouse-bench`, in a package of its own so that the Gatehouse package offers only its libraries
/// and its command. Run it from the repository root:
/// `swift run --package-path Benchmarks -c release gatehouse-bench`.
let package = Package(
    name: "GatehouseBenchmarks",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gatehouse-bench", targets: ["GatehouseBenchmarks"])
    ],
    dependencies: [
        // Named, so that the products below are found whatever the checkout's directory is called.
        .package(name: "Gatehouse", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "GatehouseBenchmarks",
            dependencies: [
                "CAllocationCounter",
                .product(name: "Gatehouse", package: "Gatehouse"),
                .product(name: "GatehouseSQLite", package: "Gatehouse"),
                .product(name: "GatehousePostgres", package: "Gatehouse"),
                .product(name: "GatehouseHummingbird", package: "Gatehouse"),
                .product(name: "GatehouseTesting", package: "Gatehouse"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        /// Counts heap allocations for the benchmarks by interposing the C allocator in the process.
        .target(name: "CAllocationCounter"),
        .testTarget(
            name: "GatehouseBenchmarksTests",
            dependencies: ["GatehouseBenchmarks"],
            swiftSettings: swiftSettings
        ),
    ]
)
