#!/usr/bin/env bash
# Makes the small MP4 test fixtures in Tests/Fixtures with ffmpeg (Debian's 5.1).
# Deterministic enough to re-run; the committed files are what the tests read.
set -euo pipefail
out="${1:-$(dirname "$0")/../Tests/Fixtures}"
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
video="testsrc2=size=320x180:rate=30"
tone="sine=frequency=440:sample_rate=48000"
x264=(-c:v libx264 -preset veryfast -b:v 300k -pix_fmt yuv420p -threads 1 -fflags +bitexact -flags:v +bitexact)
aac=(-c:a aac -b:a 64k -ac 2)

# H.264 High with B-frames and AAC; ffmpeg writes edit lists for the B-frame delay and AAC priming; index at the front.
ff -f lavfi -i "$video:duration=3" -f lavfi -i "$tone:duration=3" "${x264[@]}" -bf 3 -g 30 "${aac[@]}" -movflags +faststart "$out/h264_bframes_aac.mp4"
# The same with the index at the end (ffmpeg's default).
ff -f lavfi -i "$video:duration=2" -f lavfi -i "$tone:duration=2" "${x264[@]}" -bf 2 -g 15 "${aac[@]}" "$out/moov_at_end.mp4"
# Audio starting 0.5 s after the video: an empty edit at the head of the audio track.
ff -f lavfi -i "$video:duration=2" -itsoffset 0.5 -f lavfi -i "$tone:duration=1.5" "${x264[@]}" -bf 2 -g 30 "${aac[@]}" -movflags +faststart "$out/empty_edit.mp4"
# Negative composition offsets (ctts version 1) instead of an edit list.
ff -f lavfi -i "$video:duration=2" "${x264[@]}" -bf 3 -g 30 -movflags +faststart+negative_cts_offsets -use_editlist 0 "$out/negative_cts.mp4"
# Fragmented MP4 (CMAF-style: empty moov, a fragment per keyframe, offsets from the moof).
ff -f lavfi -i "$video:duration=3" -f lavfi -i "$tone:duration=3" "${x264[@]}" -bf 2 -g 30 "${aac[@]}" \
   -movflags +frag_keyframe+empty_moov+default_base_moof "$out/fragmented.mp4"
# Fragmented with negative composition offsets (trun version 1), as CMAF packagers write B-frames.
ff -f lavfi -i "$video:duration=2" "${x264[@]}" -bf 3 -g 30 -movflags +frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets "$out/fragmented_negative_cts.mp4"
# Audio only (AAC) and video only (H.264, no B-frames).
ff -f lavfi -i "$tone:duration=3" "${aac[@]}" -movflags +faststart "$out/audio_only.m4a"
ff -f lavfi -i "$video:duration=2" "${x264[@]}" -bf 0 -g 20 -movflags +faststart "$out/video_only.mp4"
# HEVC with B-frames, tagged hvc1 (parameter sets in the sample entry).
ff -f lavfi -i "$video:duration=2" -c:v libx265 -preset ultrafast -x265-params log-level=error:bframes=3:keyint=30 -b:v 200k \
   -pix_fmt yuv420p -tag:v hvc1 -movflags +faststart "$out/hevc.mp4"
# AC-3 5.1 and Opus stereo audio.
ff -f lavfi -i "$tone:duration=2" -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a ac3 -b:a 192k "$out/ac3.mp4"
ff -f lavfi -i "$tone:duration=2" -c:a libopus -b:a 48k -ac 2 "$out/opus.mp4"
# A phone-style rotated video: a tkhd matrix that turns the picture 90 degrees clockwise for display
# (ffprobe: displaymatrix rotation -90). ffmpeg 5.1 sets the matrix from the tag only when copying.
ff -f lavfi -i "testsrc2=size=240x160:rate=25:duration=2" "${x264[@]}" -bf 0 -g 25 -movflags +faststart "$out/.rotated-source.mp4"
ff -i "$out/.rotated-source.mp4" -c copy -metadata:s:v rotate=270 -movflags +faststart "$out/rotated.mp4"
rm -f "$out/.rotated-source.mp4"
# An edit list that hides leading video frames (iPhone-style): ffmpeg -ss with stream copy starts at
# the keyframe before 0.5 s and writes elst media_time so presentation starts at 0.5 s (audio likewise).
ff -f lavfi -i "$video:duration=6" -f lavfi -i "$tone:duration=6" "${x264[@]}" -bf 2 -g 60 -keyint_min 60 -sc_threshold 0 \
   "${aac[@]}" "$out/.hidden-source.mp4"
ff -ss 0.5 -i "$out/.hidden-source.mp4" -c copy -t 4.5 -movflags +faststart "$out/edit_hides_frames.mp4"
rm -f "$out/.hidden-source.mp4"
# Variable frame rate with B-frames: 80 frames 10 ms apart, then a 2 s jump and frames 30 ms apart.
# A decode-order gap of 2 s lands on a frame near the end, far from how long that frame shows.
ff -f lavfi -i "$video:duration=3.1" -vf "setpts='if(lt(N,80),N*0.01/TB,(2.8+(N-80)*0.03)/TB)'" -fps_mode vfr "${x264[@]}" -bf 3 -g 100 \
   -video_track_timescale 1000 "$out/vfr_bframes.mp4"
# Access unit delimiters and SPS/PPS (VPS for HEVC) inside the samples, as Apple's and many
# hardware encoders write them (x264/x265 aud=1 and repeat-headers=1).
ff -f lavfi -i "$video:duration=4" -f lavfi -i "$tone:duration=4" "${x264[@]}" -bf 2 -g 30 -x264-params aud=1:repeat-headers=1 \
   "${aac[@]}" -movflags +faststart "$out/h264_inband_aud.mp4"
ff -f lavfi -i "$video:duration=2" -c:v libx265 -preset ultrafast -x265-params log-level=error:bframes=3:keyint=30:aud=1:repeat-headers=1 \
   -b:v 200k -pix_fmt yuv420p -tag:v hvc1 -movflags +faststart "$out/hevc_inband_aud.mp4"
# Files with a track we do not package beside ones we do: a podcast with a still picture as a
# video track (mp4v JPEG), a QuickTime file with PCM audio (sowt), subtitles (tx3g).
ff -f lavfi -i "$tone:duration=2" -f lavfi -i "testsrc2=size=160x160:rate=1:duration=1" "${aac[@]}" -c:v mjpeg -frames:v 1 \
   -map 0:a -map 1:v -f mp4 -movflags +faststart "$out/cover_art.m4a"
ff -f lavfi -i "$video:duration=1" -f lavfi -i "$tone:duration=1" "${x264[@]}" -bf 0 -g 30 -c:a pcm_s16le -ar 8000 -ac 1 -f mov "$out/pcm_audio.mov"
printf '1\n00:00:00,000 --> 00:00:01,500\nHello\n' > "$out/.subtitles.srt"
ff -f lavfi -i "$video:duration=2" -f lavfi -i "$tone:duration=2" -i "$out/.subtitles.srt" "${x264[@]}" -bf 0 -g 30 "${aac[@]}" \
   -c:s mov_text -map 0 -map 1 -map 2 -movflags +faststart "$out/subtitles.mp4"
rm -f "$out/.subtitles.srt"
# HE-AAC (explicit and backward-compatible SBR signalling) and xHE-AAC (USAC, object type 42),
# which ffmpeg cannot encode here: AAC-LC at 22050 Hz with the AudioSpecificConfig rewritten
# (scripts/set-audio-config.py). FFmpeg decodes the first two at 44100 Hz; nothing here decodes USAC.
ff -f lavfi -i "sine=frequency=440:sample_rate=22050:duration=2" -c:a aac -b:a 32k -ac 2 "$out/.lc22050.m4a"
python3 "$(dirname "$0")/set-audio-config.py" "$out/.lc22050.m4a" "$out/he_aac.m4a" 2b920800
python3 "$(dirname "$0")/set-audio-config.py" "$out/.lc22050.m4a" "$out/he_aac_implicit.m4a" 139056e5a0
python3 "$(dirname "$0")/set-audio-config.py" "$out/.lc22050.m4a" "$out/xhe_aac.m4a" f9484000
rm -f "$out/.lc22050.m4a"
# Files cut off inside their last samples, as an interrupted upload or recorder leaves them:
# with the index at the front, fragmented (cut in the last mdat), and cut inside the last moof.
head -c $(( $(stat -c %s "$out/h264_bframes_aac.mp4") - 7000 )) "$out/h264_bframes_aac.mp4" > "$out/truncated.mp4"
head -c $(( $(stat -c %s "$out/fragmented.mp4") - 7000 )) "$out/fragmented.mp4" > "$out/truncated_fragmented.mp4"
python3 - "$out/fragmented.mp4" "$out/truncated_in_moof.mp4" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
last_moof = data.rfind(b"moof") - 4
open(sys.argv[2], "wb").write(data[:last_moof + 60])
PY
# AV1 (libaom) with Opus and VP9 (libvpx) with AAC, 4 s so a browser test can play past 3 s.
ff -f lavfi -i "$video:duration=4" -f lavfi -i "$tone:duration=4" -c:v libaom-av1 -cpu-used 8 -row-mt 1 -b:v 150k -g 30 \
   -pix_fmt yuv420p -c:a libopus -b:a 32k -ac 2 -movflags +faststart "$out/av1.mp4"
ff -f lavfi -i "$video:duration=4" -f lavfi -i "$tone:duration=4" -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 100k -maxrate 100k -bufsize 200k -g 30 \
   -pix_fmt yuv420p -c:a aac -b:a 48k -ac 2 -movflags +faststart "$out/vp9.mp4"
# Fragments with several runs per track fragment: ffmpeg interleaves audio and video inside each
# fragment, so every traf has many truns, each with a data_offset from the moof (as mp4ff and others write).
ff -f lavfi -i "$video:duration=2" -f lavfi -i "$tone:duration=2" "${x264[@]}" -bf 2 -g 30 "${aac[@]}" \
   -movflags +frag_keyframe+empty_moov+default_base_moof -frag_interleave 2 "$out/multi_trun.mp4"
# The same fragments as fragmented.mp4 with each trun split in two, the second without a data_offset
# (its data follows on from the first run's).
python3 "$(dirname "$0")/split-truns.py" "$out/fragmented.mp4" "$out/trun_no_offset.mp4"
# HDR: HEVC Main 10 coded as PQ (HDR10) with its colour in a `colr` box (BT.2020, SMPTE ST 2084).
x265hdr=(-c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=30 -b:v 200k -pix_fmt yuv420p10le -tag:v hvc1)
ff -f lavfi -i "$video:duration=2" "${x265hdr[@]}" -color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc \
   -movflags +faststart "$out/hevc_pq.mp4"
# A phone's Dolby Vision 8.4: HEVC HLG (ARIB STD-B67) with a `dvcC` (profile 8, base layer compatible with HLG) beside `hvcC`.
ff -f lavfi -i "$video:duration=2" -f lavfi -i "$tone:duration=2" "${x265hdr[@]}" -color_primaries bt2020 -color_trc arib-std-b67 \
   -colorspace bt2020nc "${aac[@]}" "$out/.hlg.mp4"
python3 "$(dirname "$0")/add-dolby-vision-config.py" "$out/.hlg.mp4" "$out/hevc_hlg_dolby_vision.mp4"
rm -f "$out/.hlg.mp4"
# Languages: B-frame video, audio in English (stereo), French (stereo) and English 5.1 (AAC), an English
# mov_text track, and cue files beside it: Spanish WebVTT and French SubRip (with a cue crossing 2 s and 4 s).
mkdir -p "$out/languages"
cat > "$out/languages/fr.srt" <<'SRT'
1
00:00:00,500 --> 00:00:01,800
Bonjour <i>tout</i> le monde

2
00:00:01,900 --> 00:00:02,300
Une réplique à cheval

3
00:00:03,700 --> 00:00:04,400
Sur la deuxième frontière
SRT
cat > "$out/languages/es.vtt" <<'VTT'
WEBVTT

NOTE made by scripts/make-fixtures.sh

uno
00:00:00.250 --> 00:00:01.000 line:10%
Hola

00:01.950 --> 00:02.600
Entre dos segmentos
con dos líneas
VTT
printf '1\n00:00:00,400 --> 00:00:01,900\nHello\n\n2\n00:00:01,950 --> 00:00:02,050\nAcross the join\n\n3\n00:00:05,000 --> 00:00:05,900\nThe end\n' > "$out/.en.srt"
ff -f lavfi -i "$video:duration=6" -f lavfi -i "$tone:duration=6" -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=6" \
   -f lavfi -i "sine=frequency=330:sample_rate=48000:duration=6" -i "$out/.en.srt" \
   -c:v libx264 -preset veryfast -b:v 150k -pix_fmt yuv420p -threads 1 -fflags +bitexact -flags:v +bitexact -bf 2 -g 30 \
   -map 0 -map 1 -map 2 -map 3 -map 4 -c:a aac -b:a 48k -ac:a:0 2 -ac:a:1 2 -af:a:2 "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -b:a:2 96k \
   -c:s mov_text -metadata:s:a:0 language=eng -metadata:s:a:1 language=fra -metadata:s:a:2 language=eng -metadata:s:s:0 language=eng \
   -movflags +faststart "$out/languages.mp4"
rm -f "$out/.en.srt"
# Extended language: Brazilian Portuguese audio, `por` in mdhd and `pt-BR` in an elng box (moov last, so no offset moves).
ff -f lavfi -i "sine=frequency=550:sample_rate=48000:duration=1" "${aac[@]}" -metadata:s:a:0 language=por "$out/.elng.m4a"
python3 "$(dirname "$0")/add-extended-language.py" "$out/.elng.m4a" "$out/extended_language.m4a" pt-BR
rm -f "$out/.elng.m4a"
ls -l "$out"
