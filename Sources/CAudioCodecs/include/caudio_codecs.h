#ifndef RTCBRIDGE_CAUDIO_CODECS_H
#define RTCBRIDGE_CAUDIO_CODECS_H
// Opaque wrappers over FFmpeg's libavcodec + libswresample (audio decoding to 16-bit PCM at a
// chosen rate) and libopus (encoding and, for tests, decoding). No threads: every call runs to
// completion on the caller's thread. Swift never sees an FFmpeg or Opus type.
#include <stdint.h>

typedef struct rtcb_audio_decoder rtcb_audio_decoder;
typedef struct rtcb_opus_encoder rtcb_opus_encoder;
typedef struct rtcb_opus_decoder rtcb_opus_decoder;

enum rtcb_audio_codec {
    RTCB_AUDIO_CODEC_AAC = 1,    // raw AAC access units; config = AudioSpecificConfig (ISO 14496-3)
    RTCB_AUDIO_CODEC_G722 = 2,   // G.722 at 16 kHz mono (RFC 3551 §4.5.2)
};

/// A decoder whose output is interleaved signed 16-bit PCM at `out_rate` Hz with `out_channels`
/// (1 or 2) channels. NULL when the codec or its configuration is refused.
rtcb_audio_decoder *rtcb_audio_decoder_create(int codec, const uint8_t *config, int config_size,
                                              int sample_rate, int channels, int out_rate, int out_channels);
void rtcb_audio_decoder_destroy(rtcb_audio_decoder *decoder);
/// Decodes one access unit into `out` (room for `out_capacity` samples per channel). Returns the
/// samples per channel written (0 is fine: the decoder or resampler may hold them back), or a
/// negative FFmpeg error: the unit was refused and nothing was written.
int rtcb_audio_decoder_decode(rtcb_audio_decoder *decoder, const uint8_t *data, int size,
                              int16_t *out, int out_capacity);
/// A short, static description of a negative return value.
const char *rtcb_audio_error_name(int error);

/// An Opus encoder at 48 kHz, `channels` 1 or 2, `bitrate` bits per second; NULL on failure.
rtcb_opus_encoder *rtcb_opus_encoder_create(int channels, int bitrate);
void rtcb_opus_encoder_destroy(rtcb_opus_encoder *encoder);
/// Encodes `frame_size` samples per channel; returns the packet size or a negative Opus error.
int rtcb_opus_encode(rtcb_opus_encoder *encoder, const int16_t *pcm, int frame_size, uint8_t *out, int out_capacity);

/// An Opus decoder at 48 kHz (tests and benchmarks check what the encoder produced).
rtcb_opus_decoder *rtcb_opus_decoder_create(int channels);
void rtcb_opus_decoder_destroy(rtcb_opus_decoder *decoder);
/// Returns samples per channel decoded into `pcm` (room for `frame_capacity`), or a negative error.
int rtcb_opus_decode(rtcb_opus_decoder *decoder, const uint8_t *data, int size, int16_t *pcm, int frame_capacity);

#endif
