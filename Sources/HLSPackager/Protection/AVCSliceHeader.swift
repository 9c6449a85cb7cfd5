import MP4Box

/// H.264 sequence and picture parameter sets, read as far as it takes to find where a coded
/// slice's header ends (ISO/IEC 14496-10 7.3.3): ISO/IEC 23001-7 keeps slice headers clear.
struct AVCParameterSets {
    struct SequenceSet {
        var chromaArrayType = 1
        var separateColourPlane = false
        var log2MaxFrameNum = 4
        var pocType = 0
        var log2MaxPocLsb = 4
        var deltaPicOrderAlwaysZero = false
        var frameMbsOnly = true
    }

    struct PictureSet {
        var sequenceSet = 0
        var cabac = false
        var bottomFieldPicOrderPresent = false
        var refIdxL0Default = 0
        var refIdxL1Default = 0
        var weightedPred = false
        var weightedBipred = 0
        var deblockingControlPresent = false
        var redundantPicCountPresent = false
    }

    var sequenceSets: [Int: SequenceSet] = [:]
    var pictureSets: [Int: PictureSet] = [:]

    init(avcC: AVCConfigurationBox) {
        for nal in avcC.sequenceParameterSets { add(nal[...]) }
        for nal in avcC.pictureParameterSets { add(nal[...]) }
    }

    /// Takes an SPS (type 7) or PPS (type 8) NAL unit, header byte first; others are ignored.
    mutating func add(_ nal: ArraySlice<UInt8>) {
        guard let first = nal.first else { return }
        switch first & 0x1F {
        case 7: if let (id, set) = Self.sequenceSet(nal) { sequenceSets[id] = set }
        case 8: if let (id, set) = Self.pictureSet(nal) { pictureSets[id] = set }
        default: break
        }
    }

    static let highProfiles: Set<Int> = [100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]

    static func sequenceSet(_ nal: ArraySlice<UInt8>) -> (Int, SequenceSet)? {
        var r = RBSPReader(nal, from: 1)
        guard let profile = r.u(8), r.u(16) != nil, let id = r.ue(), id < 32 else { return nil }
        var s = SequenceSet()
        if highProfiles.contains(profile) {
            guard let chroma = r.ue() else { return nil }
            var separate = 0
            if chroma == 3 { guard let f = r.u1() else { return nil }; separate = f }
            s.chromaArrayType = separate == 1 ? 0 : chroma
            s.separateColourPlane = separate == 1
            guard r.ue() != nil, r.ue() != nil, r.u1() != nil, let matrices = r.u1() else { return nil }
            if matrices == 1 {
                for i in 0..<(chroma == 3 ? 12 : 8) {
                    guard let present = r.u1() else { return nil }
                    if present == 1 { guard skipScalingList(&r, size: i < 6 ? 16 : 64) else { return nil } }
                }
            }
        }
        guard let frameNum = r.ue(), frameNum <= 12, let poc = r.ue() else { return nil }
        s.log2MaxFrameNum = frameNum + 4
        s.pocType = poc
        if poc == 0 {
            guard let lsb = r.ue(), lsb <= 12 else { return nil }
            s.log2MaxPocLsb = lsb + 4
        } else if poc == 1 {
            guard let zero = r.u1(), r.se() != nil, r.se() != nil, let cycle = r.ue(), cycle <= 255 else { return nil }
            s.deltaPicOrderAlwaysZero = zero == 1
            for _ in 0..<cycle { guard r.se() != nil else { return nil } }
        }
        guard r.ue() != nil, r.u1() != nil, r.ue() != nil, r.ue() != nil, let frameMbsOnly = r.u1() else { return nil }
        s.frameMbsOnly = frameMbsOnly == 1
        return (id, s)
    }

    static func skipScalingList(_ r: inout RBSPReader, size: Int) -> Bool {
        var last = 8, next = 8
        for _ in 0..<size where next != 0 {
            guard let delta = r.se() else { return false }
            next = (last + delta + 256) % 256
            if next != 0 { last = next }
        }
        return true
    }

    static func pictureSet(_ nal: ArraySlice<UInt8>) -> (Int, PictureSet)? {
        var r = RBSPReader(nal, from: 1)
        guard let id = r.ue(), id < 256, let sps = r.ue(), let cabac = r.u1(), let bottom = r.u1(), let groups = r.ue() else { return nil }
        guard groups == 0 else { return nil }  // slice groups (Baseline FMO): not read here
        guard let l0 = r.ue(), let l1 = r.ue(), let weighted = r.u1(), let bipred = r.u(2), r.se() != nil, r.se() != nil, r.se() != nil,
              let deblocking = r.u1(), r.u1() != nil, let redundant = r.u1() else { return nil }
        return (id, PictureSet(sequenceSet: sps, cabac: cabac == 1, bottomFieldPicOrderPresent: bottom == 1, refIdxL0Default: l0, refIdxL1Default: l1,
                               weightedPred: weighted == 1, weightedBipred: bipred, deblockingControlPresent: deblocking == 1, redundantPicCountPresent: redundant == 1))
    }

    /// Bytes of a coded slice NAL unit (type 1 or 5, header byte first) through the end of its
    /// slice header; nil when it cannot be read (unknown parameter sets, slice groups, damage).
    func sliceHeaderLength(_ nal: ArraySlice<UInt8>) -> Int? {
        guard let first = nal.first else { return nil }
        let type = Int(first & 0x1F), referenced = first & 0x60 != 0, idr = type == 5
        var r = RBSPReader(nal, from: 1)
        guard r.ue() != nil, let rawSliceType = r.ue(), let ppsID = r.ue(), let pps = pictureSets[ppsID], let sps = sequenceSets[pps.sequenceSet] else { return nil }
        let sliceType = rawSliceType % 5  // 0 P, 1 B, 2 I, 3 SP, 4 SI
        let p = sliceType == 0 || sliceType == 3, b = sliceType == 1
        if sps.separateColourPlane { guard r.u(2) != nil else { return nil } }
        guard r.u(sps.log2MaxFrameNum) != nil else { return nil }
        var field = false
        if !sps.frameMbsOnly {
            guard let f = r.u1() else { return nil }
            field = f == 1
            if field { guard r.u1() != nil else { return nil } }
        }
        if idr { guard r.ue() != nil else { return nil } }
        if sps.pocType == 0 {
            guard r.u(sps.log2MaxPocLsb) != nil else { return nil }
            if pps.bottomFieldPicOrderPresent && !field { guard r.se() != nil else { return nil } }
        }
        if sps.pocType == 1 && !sps.deltaPicOrderAlwaysZero {
            guard r.se() != nil else { return nil }
            if pps.bottomFieldPicOrderPresent && !field { guard r.se() != nil else { return nil } }
        }
        if pps.redundantPicCountPresent { guard r.ue() != nil else { return nil } }
        if b { guard r.u1() != nil else { return nil } }
        var l0 = pps.refIdxL0Default, l1 = pps.refIdxL1Default
        if p || b {
            guard let override = r.u1() else { return nil }
            if override == 1 {
                guard let a = r.ue() else { return nil }
                l0 = a
                if b { guard let c = r.ue() else { return nil }; l1 = c }
            }
        }
        guard l0 < 32, l1 < 32 else { return nil }
        // ref_pic_list_modification
        for _ in 0..<(b ? 2 : (p ? 1 : 0)) {
            guard let modify = r.u1() else { return nil }
            guard modify == 1 else { continue }
            var steps = 0
            while true {
                guard let idc = r.ue(), idc <= 5, steps < 100 else { return nil }
                steps += 1
                if idc == 3 { break }
                guard r.ue() != nil else { return nil }
            }
        }
        if (pps.weightedPred && p) || (pps.weightedBipred == 1 && b) {
            guard r.ue() != nil else { return nil }
            if sps.chromaArrayType != 0 { guard r.ue() != nil else { return nil } }
            for count in (b ? [l0, l1] : [l0]) {
                for _ in 0...count {
                    guard let luma = r.u1() else { return nil }
                    if luma == 1 { guard r.se() != nil, r.se() != nil else { return nil } }
                    if sps.chromaArrayType != 0 {
                        guard let chroma = r.u1() else { return nil }
                        if chroma == 1 { for _ in 0..<4 { guard r.se() != nil else { return nil } } }
                    }
                }
            }
        }
        if referenced {
            if idr {
                guard r.u1() != nil, r.u1() != nil else { return nil }
            } else {
                guard let adaptive = r.u1() else { return nil }
                if adaptive == 1 {
                    var steps = 0
                    while true {
                        guard let op = r.ue(), op <= 6, steps < 100 else { return nil }
                        steps += 1
                        if op == 0 { break }
                        if op == 1 || op == 3 { guard r.ue() != nil else { return nil } }
                        if op == 2 { guard r.ue() != nil else { return nil } }
                        if op == 3 || op == 6 { guard r.ue() != nil else { return nil } }
                        if op == 4 { guard r.ue() != nil else { return nil } }
                    }
                }
            }
        }
        if pps.cabac && sliceType != 2 && sliceType != 4 { guard r.ue() != nil else { return nil } }
        guard r.se() != nil else { return nil }  // slice_qp_delta
        if sliceType == 3 || sliceType == 4 {
            if sliceType == 3 { guard r.u1() != nil else { return nil } }
            guard r.se() != nil else { return nil }
        }
        if pps.deblockingControlPresent {
            guard let disable = r.ue() else { return nil }
            if disable != 1 { guard r.se() != nil, r.se() != nil else { return nil } }
        }
        return r.bytesRead
    }
}
