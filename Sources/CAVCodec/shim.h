// CAVCodec: FFmpeg's C libraries for Swift. Only what Swift cannot import by itself:
// function-like macros and macros that expand to casts or compound literals become
// static inline functions; fixed C arrays get accessors. No logic lives here.
#ifndef VOD_CAVCODEC_SHIM_H
#define VOD_CAVCODEC_SHIM_H

#include <errno.h>
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <libswresample/swresample.h>

static inline int vod_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int vod_averror_eof(void) { return AVERROR_EOF; }
static inline int vod_averror_invaliddata(void) { return AVERROR_INVALIDDATA; }
static inline int vod_averror(int e) { return AVERROR(e); }
static inline int64_t vod_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline AVRational vod_time_base_q(void) { return AV_TIME_BASE_Q; }

/// The message libav has for an error code.
static inline void vod_error_string(int code, char *buffer, size_t size) { av_make_error_string(buffer, size, code); }

static inline AVChannelLayout vod_channel_layout_stereo(void) { AVChannelLayout l = AV_CHANNEL_LAYOUT_STEREO; return l; }

static inline uint8_t *vod_frame_data(const AVFrame *f, int plane) { return f->data[plane]; }
static inline int vod_frame_linesize(const AVFrame *f, int plane) { return f->linesize[plane]; }
static inline uint8_t **vod_frame_planes(AVFrame *f) { return f->extended_data; }

static inline int vod_audio_fifo_write(AVAudioFifo *fifo, AVFrame *frame) {
    return av_audio_fifo_write(fifo, (void **)frame->extended_data, frame->nb_samples);
}
static inline int vod_audio_fifo_read(AVAudioFifo *fifo, AVFrame *frame, int samples) {
    return av_audio_fifo_read(fifo, (void **)frame->extended_data, samples);
}

/// Rotation from a stream's display matrix in degrees (counter-clockwise, as libav gives it), 0 when none.
static inline double vod_stream_rotation(const AVStream *stream) {
    size_t size = 0;
    const uint8_t *matrix = av_stream_get_side_data(stream, AV_PKT_DATA_DISPLAYMATRIX, &size);
    if (!matrix || size < 9 * sizeof(int32_t)) return 0;
    double r = av_display_rotation_get((const int32_t *)matrix);
    return r != r ? 0 : r;  // NaN → 0
}

/// libav's log output goes through this (variadic av_log cannot be called from Swift).
static inline void vod_log_quiet(void) { av_log_set_level(AV_LOG_ERROR); }

#endif
