#include "caudio_codecs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
#include <opus/opus.h>

struct rtcb_audio_decoder {
    AVCodecContext *context;
    AVPacket *packet;
    AVFrame *frame;
    SwrContext *resampler;
    // The input the resampler was set up for; a change rebuilds it.
    int in_rate;
    int in_format;
    AVChannelLayout in_layout;
    int out_rate;
    int out_channels;
};

rtcb_audio_decoder *rtcb_audio_decoder_create(int codec, const uint8_t *config, int config_size,
                                              int sample_rate, int channels, int out_rate, int out_channels) {
    enum AVCodecID id;
    switch (codec) {
    case RTCB_AUDIO_CODEC_AAC: id = AV_CODEC_ID_AAC; break;
    case RTCB_AUDIO_CODEC_G722: id = AV_CODEC_ID_ADPCM_G722; break;
    default: return NULL;
    }
    if (out_channels < 1 || out_channels > 2 || out_rate <= 0 || config_size < 0 || config_size > 4096) return NULL;
    const AVCodec *decoder = avcodec_find_decoder(id);
    if (!decoder) return NULL;
    rtcb_audio_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->out_rate = out_rate;
    d->out_channels = out_channels;
    d->context = avcodec_alloc_context3(decoder);
    d->packet = av_packet_alloc();
    d->frame = av_frame_alloc();
    if (!d->context || !d->packet || !d->frame) goto fail;
    d->context->thread_count = 1;   // no decoder threads: the caller's thread does the work
    if (sample_rate > 0) d->context->sample_rate = sample_rate;
    if (channels > 0) av_channel_layout_default(&d->context->ch_layout, channels);
    if (config_size > 0 && config) {
        d->context->extradata = av_mallocz((size_t)config_size + AV_INPUT_BUFFER_PADDING_SIZE);
        if (!d->context->extradata) goto fail;
        memcpy(d->context->extradata, config, (size_t)config_size);
        d->context->extradata_size = config_size;
    }
    if (avcodec_open2(d->context, decoder, NULL) < 0) goto fail;
    return d;
fail:
    rtcb_audio_decoder_destroy(d);
    return NULL;
}

void rtcb_audio_decoder_destroy(rtcb_audio_decoder *d) {
    if (!d) return;
    swr_free(&d->resampler);
    av_channel_layout_uninit(&d->in_layout);
    av_frame_free(&d->frame);
    av_packet_free(&d->packet);
    avcodec_free_context(&d->context);
    free(d);
}

static int prepare_resampler(rtcb_audio_decoder *d, AVFrame *f) {
    if (d->resampler && d->in_rate == f->sample_rate && d->in_format == f->format &&
        av_channel_layout_compare(&d->in_layout, &f->ch_layout) == 0) return 0;
    swr_free(&d->resampler);
    av_channel_layout_uninit(&d->in_layout);
    AVChannelLayout out_layout;
    av_channel_layout_default(&out_layout, d->out_channels);
    int status = swr_alloc_set_opts2(&d->resampler, &out_layout, AV_SAMPLE_FMT_S16, d->out_rate,
                                     &f->ch_layout, f->format, f->sample_rate, 0, NULL);
    av_channel_layout_uninit(&out_layout);
    if (status < 0) return status;
    status = swr_init(d->resampler);
    if (status < 0) {
        swr_free(&d->resampler);
        return status;
    }
    status = av_channel_layout_copy(&d->in_layout, &f->ch_layout);
    if (status < 0) {
        swr_free(&d->resampler);
        return status;
    }
    d->in_rate = f->sample_rate;
    d->in_format = f->format;
    return 0;
}

int rtcb_audio_decoder_decode(rtcb_audio_decoder *d, const uint8_t *data, int size, int16_t *out, int out_capacity) {
    if (!d || !data || size <= 0 || !out || out_capacity < 0) return AVERROR(EINVAL);
    // libavcodec may read past the end of the input: copy it into a padded buffer.
    int status = av_new_packet(d->packet, size);
    if (status < 0) return status;
    memcpy(d->packet->data, data, (size_t)size);
    status = avcodec_send_packet(d->context, d->packet);
    av_packet_unref(d->packet);
    if (status < 0) return status;
    int written = 0;
    for (;;) {
        status = avcodec_receive_frame(d->context, d->frame);
        if (status == AVERROR(EAGAIN) || status == AVERROR_EOF) break;
        if (status < 0) return status;
        if (d->frame->nb_samples <= 0 || d->frame->sample_rate <= 0 || d->frame->ch_layout.nb_channels <= 0) {
            av_frame_unref(d->frame);
            return AVERROR_INVALIDDATA;
        }
        status = prepare_resampler(d, d->frame);
        if (status < 0) {
            av_frame_unref(d->frame);
            return status;
        }
        uint8_t *planes[1] = { (uint8_t *)(out + (size_t)written * (size_t)d->out_channels) };
        int converted = swr_convert(d->resampler, planes, out_capacity - written,
                                    (const uint8_t **)d->frame->extended_data, d->frame->nb_samples);
        av_frame_unref(d->frame);
        if (converted < 0) return converted;
        written += converted;
    }
    return written;
}

const char *rtcb_audio_error_name(int error) {
    switch (error) {
    case AVERROR_INVALIDDATA: return "invalid data";
    case AVERROR(EINVAL): return "invalid argument";
    case AVERROR(ENOMEM): return "out of memory";
    case AVERROR_PATCHWELCOME: return "unsupported feature";
    case AVERROR_BUG: return "decoder bug";
    default: return "decoder error";
    }
}

struct rtcb_opus_encoder { OpusEncoder *encoder; };
struct rtcb_opus_decoder { OpusDecoder *decoder; };

rtcb_opus_encoder *rtcb_opus_encoder_create(int channels, int bitrate) {
    if (channels < 1 || channels > 2) return NULL;
    int error = OPUS_OK;
    OpusEncoder *encoder = opus_encoder_create(48000, channels, OPUS_APPLICATION_AUDIO, &error);
    if (!encoder || error != OPUS_OK) return NULL;
    if (opus_encoder_ctl(encoder, OPUS_SET_BITRATE(bitrate)) != OPUS_OK) {
        opus_encoder_destroy(encoder);
        return NULL;
    }
    rtcb_opus_encoder *e = calloc(1, sizeof *e);
    if (!e) {
        opus_encoder_destroy(encoder);
        return NULL;
    }
    e->encoder = encoder;
    return e;
}

void rtcb_opus_encoder_destroy(rtcb_opus_encoder *e) {
    if (!e) return;
    opus_encoder_destroy(e->encoder);
    free(e);
}

int rtcb_opus_encode(rtcb_opus_encoder *e, const int16_t *pcm, int frame_size, uint8_t *out, int out_capacity) {
    if (!e || !pcm || !out) return OPUS_BAD_ARG;
    return opus_encode(e->encoder, pcm, frame_size, out, out_capacity);
}

rtcb_opus_decoder *rtcb_opus_decoder_create(int channels) {
    if (channels < 1 || channels > 2) return NULL;
    int error = OPUS_OK;
    OpusDecoder *decoder = opus_decoder_create(48000, channels, &error);
    if (!decoder || error != OPUS_OK) return NULL;
    rtcb_opus_decoder *d = calloc(1, sizeof *d);
    if (!d) {
        opus_decoder_destroy(decoder);
        return NULL;
    }
    d->decoder = decoder;
    return d;
}

void rtcb_opus_decoder_destroy(rtcb_opus_decoder *d) {
    if (!d) return;
    opus_decoder_destroy(d->decoder);
    free(d);
}

int rtcb_opus_decode(rtcb_opus_decoder *d, const uint8_t *data, int size, int16_t *pcm, int frame_capacity) {
    if (!d || !data || !pcm) return OPUS_BAD_ARG;
    return opus_decode(d->decoder, data, size, pcm, frame_capacity, 0);
}
