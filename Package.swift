// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "VOD",
    products: [
        .library(name: "MP4Box", targets: ["MP4Box"]),
        .library(name: "HLSPackager", targets: ["HLSPackager"]),
        .executable(name: "vod", targets: ["vod"]),
        .executable(name: "vod-origin", targets: ["vod-origin"]),
        .executable(name: "vod-edge", targets: ["vod-edge"]),
        .executable(name: "vod-transcoder", targets: ["vod-transcoder"]),
    ],
    targets: [
        .target(name: "MP4Box"),
        .target(name: "HLSPackager", dependencies: ["MP4Box", "CCrypto"]),
        .target(name: "CLinux"),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "VODKit", dependencies: ["CLinux", "CCrypto", "CZlib"]),
        .target(name: "VODOrigin", dependencies: ["MP4Box", "HLSPackager", "VODKit", "Thumbnails"]),
        .executableTarget(name: "vod-origin", dependencies: ["VODOrigin", "VODKit"], path: "Sources/VODOriginMain"),
        .target(name: "VODEdge", dependencies: ["VODKit", "MP4Box"]),
        .systemLibrary(name: "CAVCodec", pkgConfig: "libavformat libavcodec libavutil libswscale libswresample",
                       providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libswresample-dev"])]),
        .target(name: "LibAV", dependencies: ["CAVCodec"]),
        .target(name: "Thumbnails", dependencies: ["LibAV", "CAVCodec"]),
        .target(name: "TranscodeService", dependencies: ["CAVCodec", "LibAV", "MP4Box", "HLSPackager", "VODKit"]),
        .executableTarget(name: "vod-transcoder", dependencies: ["TranscodeService", "VODKit"], path: "Sources/VODTranscoderMain"),
        .executableTarget(name: "vod-edge", dependencies: ["VODEdge", "VODKit"], path: "Sources/VODEdgeMain"),
        .executableTarget(name: "vod", dependencies: ["MP4Box", "HLSPackager", "VODKit"], path: "Sources/VODToolbox"),
        .executableTarget(name: "vod-bench", dependencies: ["MP4Box", "HLSPackager"], path: "Sources/VODBench"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "MP4BoxTests", dependencies: ["MP4Box", "TestSupport"]),
        .testTarget(name: "VODKitTests", dependencies: ["VODKit"]),
        .testTarget(name: "VODOriginTests", dependencies: ["VODOrigin", "VODKit", "HLSPackager", "MP4Box", "TestSupport"]),
        .testTarget(name: "VODEdgeTests", dependencies: ["VODEdge", "VODOrigin", "VODKit", "TestSupport"]),
        .testTarget(name: "TranscodeServiceTests", dependencies: ["TranscodeService", "VODOrigin", "VODKit", "MP4Box", "TestSupport"]),
        .testTarget(name: "HLSPackagerTests", dependencies: ["HLSPackager", "MP4Box", "TestSupport"], exclude: ["Golden"]),
    ]
)
