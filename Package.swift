// swift-tools-version:6.2
// Tongka: the back office of a China T-Union city transit-card operator.
import PackageDescription

/// Our own targets build with warnings as errors; generated code does not (see TongkaAPI).
let strict: [SwiftSetting] = [
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "tongka",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tongka-server", targets: ["tongka-server"]),
        .executable(name: "tongka-counter", targets: ["tongka-counter"]),
        .executable(name: "tongka-bench", targets: ["tongka-bench"]),
        .executable(name: "tongka-validator", targets: ["tongka-validator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        // Pure values and rules. No I/O, no clock reads.
        .target(name: "TongkaDomain", swiftSettings: strict),

        // libcrypto (OpenSSL 3) through a module map: DES-EDE, DES-EDE3, SM4, RAND_bytes, OPENSSL_cleanse.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // JT/T 978 / PBOC purse cryptography: MACs, diversification, session keys, TAC, key store.
        .target(name: "TongkaCardCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),

        // The terminal side: the CardReader protocol, APDU responses, PurseTerminal's load/purchase/block flows.
        .target(name: "TongkaCardTerminal", dependencies: ["TongkaCardCrypto"], swiftSettings: strict),

        // A software T-Union purse card at the APDU level and its CardReader (SimulatedCardReader).
        .target(name: "TongkaCardSim", dependencies: ["TongkaCardCrypto", "TongkaCardTerminal"], swiftSettings: strict),

        // The schema as SQL files in the top-level SQL/ folder (migrations and schema.sql), as resources.
        .target(
            name: "TongkaSQL", path: "SQL", resources: [.copy("migrations"), .copy("schema.sql")],
            swiftSettings: strict),

        // PostgreSQL: migrator, stores (one transaction per use case), personal-data protection.
        .target(
            name: "TongkaPostgres",
            dependencies: [
                "TongkaDomain", "TongkaSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // The OpenAPI contract and the code generated from it (types, server stubs, client).
        .target(
            name: "TongkaAPI",
            dependencies: [.product(name: "OpenAPIRuntime", package: "swift-openapi-runtime")],
            resources: [.copy("openapi.yaml")],
            // Generated code prints hundreds of "public import ... was not used" warnings on 6.3.
            swiftSettings: [.unsafeFlags(["-suppress-warnings"])],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),

        // The Hummingbird application: auth, handlers, background services, metrics.
        .target(
            name: "TongkaHTTP",
            dependencies: [
                "TongkaDomain", "TongkaPostgres", "TongkaAPI", "TongkaCardCrypto",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            // The rider's self-service page: its template, script and style sheet.
            resources: [.copy("SelfService")],
            swiftSettings: strict
        ),

        // A curated client over the generated one, used by the command-line tools.
        .target(
            name: "TongkaClient",
            dependencies: [
                "TongkaDomain", "TongkaAPI",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "tongka-server",
            dependencies: [
                "TongkaHTTP", "TongkaPostgres", "TongkaDomain", "TongkaCardCrypto",
                // The card factory's tool (`cards personalise`) writes software cards.
                "TongkaCardSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "tongka-counter",
            dependencies: [
                "TongkaClient", "TongkaDomain", "TongkaCardCrypto", "TongkaCardTerminal",
                // Only CardReaders.swift uses the simulator (software cards as `sim:PATH` readers).
                "TongkaCardSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: strict
        ),

        // The reference validator: the blacklist as a bus or gate validator keeps and uses it.
        .executableTarget(
            name: "tongka-validator",
            dependencies: [
                "TongkaClient", "TongkaDomain", "TongkaCardCrypto", "TongkaCardTerminal",
                // Software cards for `tap` (a real validator would have a PC/SC or built-in reader).
                "TongkaCardSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The load generator of Scripts/bench: N concurrent clients doing complete money commands
        // over HTTP for a fixed time, with latency percentiles.
        .executableTarget(
            name: "tongka-bench",
            dependencies: [
                "TongkaClient", "TongkaDomain", "TongkaCardCrypto", "TongkaCardSim", "TongkaCardTerminal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: strict
        ),

        // Shared by the integration tests: fresh databases, a live server, seeded clerks.
        .target(
            name: "TongkaTestSupport",
            dependencies: [
                "TongkaDomain", "TongkaPostgres", "TongkaHTTP", "TongkaClient", "TongkaCardCrypto", "TongkaCardSim",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TongkaTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "TongkaDomainTests", dependencies: ["TongkaDomain"], swiftSettings: strict),
        .testTarget(
            name: "TongkaCardCryptoTests", dependencies: ["TongkaCardCrypto"], resources: [.copy("Resources/epurse.json")],
            swiftSettings: strict),
        .testTarget(
            name: "TongkaCardSimTests", dependencies: ["TongkaCardSim", "TongkaCardTerminal", "TongkaCardCrypto"],
            swiftSettings: strict),
        .testTarget(
            name: "TongkaPostgresTests",
            dependencies: [
                "TongkaPostgres", "TongkaDomain", "TongkaTestSupport", "TongkaSQL", "TongkaHTTP",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TongkaHTTPTests",
            dependencies: [
                "TongkaHTTP", "TongkaClient", "TongkaDomain", "TongkaTestSupport", "TongkaAPI", "TongkaPostgres",
                "TongkaCardCrypto", "TongkaCardSim", "TongkaCardTerminal",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TongkaCounterTests",
            dependencies: [
                "TongkaTestSupport", "TongkaDomain", "TongkaPostgres", "tongka-counter", "tongka-validator", "TongkaCardSim",
                "TongkaCardTerminal",
                "TongkaCardCrypto",
            ],
            swiftSettings: strict
        ),
    ]
)
