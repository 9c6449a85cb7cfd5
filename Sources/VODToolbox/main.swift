import Foundation
import MP4Box

/// `vod`: the operator's toolbox. Each subcommand is one file in this folder.
let usage = """
    usage: vod <command> [arguments]

    commands:
      inspect FILE [--json] [--samples]   tracks, codecs, durations, keyframes and edit lists of an MP4
      package FILE OUTDIR [--segment S]   HLS playlists and CMAF segments of FILE, laid out as the URL space
      sign --keys FILE [--key ID] --expires-in S [--ip ADDR] [--prefix] PATH
                                          PATH as a signed URL path (/t/<token>/…) for origin and edge
      help                                this text

    """

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
arguments.removeFirst()

switch command {
case "inspect":
    exit(InspectCommand.run(arguments))
case "package":
    exit(PackageCommand.run(arguments))
case "sign":
    exit(SignCommand.run(arguments))
case "help", "--help", "-h":
    print(usage, terminator: "")
case "--version":
    print("vod 0.1.0")
default:
    FileHandle.standardError.write(Data("vod: unknown command '\(command)'\n\n\(usage)".utf8))
    exit(2)
}
