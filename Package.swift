// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "VOD",
    products: [
        .library(name: "MP4Box", targets: ["MP4Box"]),
        .executable(name: "vod", targets: ["vod"]),
    ],
    targets: [
        .target(name: "MP4Box"),
        .executableTarget(name: "vod", dependencies: ["MP4Box"], path: "Sources/VODToolbox"),
        .executableTarget(name: "vod-bench", dependencies: ["MP4Box"], path: "Sources/VODBench"),
        .testTarget(name: "MP4BoxTests", dependencies: ["MP4Box"]),
    ]
)
