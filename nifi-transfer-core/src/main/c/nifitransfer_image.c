/*
 * JNI bridge from org.nifitransfer.core.image.NativeImage:
 * - decode: the libjpeg API of libjpeg-turbo (the copy inside libleptonica.so.6 of org.bytedeco:leptonica, linked at
 *   run time; see build-native.sh). One call decodes one JPEG held in memory into 8-bit RGB. Errors never leave the
 *   library through exit(): error_exit jumps back here; warnings are counted and the first kept, not printed.
 * - resample: the two convolution passes of Resizer (PIL's fixed-point resampling) with the coefficients Java
 *   computed, so the result is Resizer's byte for byte. Both passes have a hand-vectorised AVX2 form, used where the
 *   CPU has AVX2; the portable forms are compiled for AVX2 and for plain x86-64, chosen at load. The sums are the
 *   same 32-bit integer sums in every form (only their order differs, and 32-bit addition does not care).
 * - lookupPlanes: interleaved bytes through three 256-entry float tables into three planes (ChannelPlanes.lookup).
 */
#include <jni.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <jpeglib.h>
#include <immintrin.h>

/* info[] slots, shared with NativeImage.java */
#define INFO_STATUS 0
#define INFO_WIDTH 1
#define INFO_HEIGHT 2
#define INFO_COMPONENTS 3
#define INFO_WARNINGS 4
#define INFO_LENGTH 5

/* statuses */
#define STATUS_OK 0
#define STATUS_ERROR 1         /* the library stopped: message says why */
#define STATUS_TOO_LARGE 2     /* more output pixels than allowed */
#define STATUS_UNSUPPORTED 3   /* a colour space or layout this bridge leaves to the caller */
#define STATUS_NO_MEMORY 4

struct bridge_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char first_warning[JMSG_LENGTH_MAX];
    char error[JMSG_LENGTH_MAX];
};

static void bridge_error_exit(j_common_ptr cinfo) {
    struct bridge_error *err = (struct bridge_error *) cinfo->err;
    (*cinfo->err->format_message)(cinfo, err->error);
    longjmp(err->jump, 1);
}

static void bridge_emit_message(j_common_ptr cinfo, int level) {
    struct bridge_error *err = (struct bridge_error *) cinfo->err;
    if (level < 0) {
        if (err->pub.num_warnings == 0) {
            (*cinfo->err->format_message)(cinfo, err->first_warning);
        }
        err->pub.num_warnings++;
    }
}

static void bridge_output_message(j_common_ptr cinfo) {
    (void) cinfo;
}

JNIEXPORT jbyteArray JNICALL Java_org_nifitransfer_core_image_NativeImage_decode(JNIEnv *env, jclass type, jbyteArray input,
        jint length, jint scale, jlong max_pixels, jintArray info_array, jobjectArray message) {
    jint info[INFO_LENGTH] = {STATUS_ERROR, 0, 0, 0, 0};
    struct jpeg_decompress_struct cinfo;
    struct bridge_error err;
    unsigned char *volatile source = NULL;
    unsigned char *volatile pixels = NULL; /* result's elements, held critical while libjpeg writes into them */
    jbyteArray volatile result = NULL;
    JSAMPARRAY volatile rows = NULL;

    (void) type;
    memset(&cinfo, 0, sizeof(cinfo));
    memset(&err, 0, sizeof(err));
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = bridge_error_exit;
    err.pub.emit_message = bridge_emit_message;
    err.pub.output_message = bridge_output_message;
    if (setjmp(err.jump)) {
        info[INFO_STATUS] = STATUS_ERROR;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    jpeg_create_decompress(&cinfo);
    source = malloc(length > 0 ? (size_t) length : 1);
    if (source == NULL) {
        info[INFO_STATUS] = STATUS_NO_MEMORY;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    (*env)->GetByteArrayRegion(env, input, 0, length, (jbyte *) source);
    jpeg_mem_src(&cinfo, source, (unsigned long) length);
    jpeg_read_header(&cinfo, TRUE);
    info[INFO_COMPONENTS] = cinfo.num_components;
    if (!((cinfo.num_components == 3 && (cinfo.jpeg_color_space == JCS_YCbCr || cinfo.jpeg_color_space == JCS_RGB))
            || (cinfo.num_components == 1 && cinfo.jpeg_color_space == JCS_GRAYSCALE))) {
        info[INFO_STATUS] = STATUS_UNSUPPORTED;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    cinfo.out_color_space = JCS_RGB;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int) scale;
    jpeg_calc_output_dimensions(&cinfo);
    info[INFO_WIDTH] = (jint) cinfo.output_width;
    info[INFO_HEIGHT] = (jint) cinfo.output_height;
    if ((jlong) cinfo.output_width * (jlong) cinfo.output_height > max_pixels) {
        info[INFO_STATUS] = STATUS_TOO_LARGE;
        jpeg_destroy_decompress(&cinfo);
        goto done;
    }
    jpeg_start_decompress(&cinfo);
    {
        const size_t row = (size_t) cinfo.output_width * 3;
        rows = malloc(sizeof(JSAMPROW) * cinfo.output_height);
        result = (*env)->NewByteArray(env, (jsize) (row * cinfo.output_height));
        if (rows == NULL || result == NULL) {
            if (result == NULL) {
                (*env)->ExceptionClear(env); /* the OutOfMemoryError: reported as STATUS_NO_MEMORY instead */
            }
            info[INFO_STATUS] = STATUS_NO_MEMORY;
            jpeg_destroy_decompress(&cinfo);
            goto done;
        }
        /* libjpeg writes straight into the Java array: no second buffer, no copy (G1 pins the region meanwhile) */
        pixels = (*env)->GetPrimitiveArrayCritical(env, result, NULL);
        if (pixels == NULL) {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
            jpeg_destroy_decompress(&cinfo);
            goto done;
        }
        for (JDIMENSION y = 0; y < cinfo.output_height; y++) {
            rows[y] = pixels + row * y;
        }
        while (cinfo.output_scanline < cinfo.output_height) {
            if (jpeg_read_scanlines(&cinfo, rows + cinfo.output_scanline, cinfo.output_height - cinfo.output_scanline) == 0) {
                strcpy(err.error, "no scanline returned");
                info[INFO_STATUS] = STATUS_ERROR;
                jpeg_destroy_decompress(&cinfo);
                goto done;
            }
        }
        info[INFO_WARNINGS] = (jint) err.pub.num_warnings;
        jpeg_finish_decompress(&cinfo);
        info[INFO_WARNINGS] = (jint) err.pub.num_warnings;
        jpeg_destroy_decompress(&cinfo);
        info[INFO_STATUS] = STATUS_OK;
    }
done:
    if (pixels != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, result, pixels, info[INFO_STATUS] == STATUS_OK ? 0 : JNI_ABORT);
    }
    free(source);
    free(rows);
    if (info[INFO_STATUS] == STATUS_ERROR || info[INFO_WARNINGS] > 0) {
        jstring text = (*env)->NewStringUTF(env, info[INFO_STATUS] == STATUS_ERROR ? err.error : err.first_warning);
        if (text != NULL) {
            (*env)->SetObjectArrayElement(env, message, 0, text);
        }
    }
    (*env)->SetIntArrayRegion(env, info_array, 0, INFO_LENGTH, info);
    return info[INFO_STATUS] == STATUS_OK ? result : NULL;
}

/* Resizer's fixed point: ResampleCoefficients.PRECISION_BITS */
#define PRECISION_BITS (32 - 8 - 2)
#define HALF (1 << (PRECISION_BITS - 1))

static inline unsigned char clip8(int32_t sum) {
    const int32_t value = sum >> PRECISION_BITS;
    return (unsigned char) (value < 0 ? 0 : value > 255 ? 255 : value);
}

typedef int32_t pixel4 __attribute__((vector_size(16)));

/*
 * Rows [first_row, end_row) of input, resampled horizontally: Resizer.resampleHorizontal. Each source row is first
 * widened to one 4-lane vector a pixel (R, G, B, 0), so a tap is one vector multiply-add for all three channels.
 */
__attribute__((target_clones("avx2", "default")))
static void resample_horizontal(const unsigned char *input, int input_width, int first_row, int end_row, const jint *x_first,
        const jint *x_count, const jint *x_weights, int x_stride, int output_width, pixel4 *row, unsigned char *output) {
    const size_t input_row = (size_t) input_width * 3;
    const size_t output_row = (size_t) output_width * 3;
    for (int y = first_row; y < end_row; y++) {
        const unsigned char *source = input + (size_t) y * input_row;
        for (int x = 0; x < input_width; x++) {
            row[x] = (pixel4) {source[x * 3], source[x * 3 + 1], source[x * 3 + 2], 0};
        }
        unsigned char *target = output + (size_t) (y - first_row) * output_row;
        for (int x = 0; x < output_width; x++) {
            const pixel4 *taps = row + x_first[x];
            const jint *weights = x_weights + (size_t) x * x_stride;
            pixel4 sum = {HALF, HALF, HALF, HALF};
            for (int tap = 0; tap < x_count[x]; tap++) {
                sum += taps[tap] * weights[tap];
            }
            target[x * 3] = clip8(sum[0]);
            target[x * 3 + 1] = clip8(sum[1]);
            target[x * 3 + 2] = clip8(sum[2]);
        }
    }
}

/*
 * Two source rows widened into pixel pairs: pairs[x] holds pixel x of row a and of row b as (R, G, B, 0, R', G', B', 0)
 * in 32-bit lanes, so one 256-bit multiply-add is one tap of one output pixel for both rows.
 */
__attribute__((target("avx2")))
static void widen_pair(const unsigned char *a, const unsigned char *b, int width, __m256i *pairs) {
    const __m128i to_rgb0 = _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8, -1, 9, 10, 11, -1);
    int x = 0;
    for (; x + 6 <= width; x += 4) { /* a 16-byte load from pixel x reaches into pixel x + 5 */
        const __m128i pixels_a = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (a + x * 3)), to_rgb0);
        const __m128i pixels_b = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) (b + x * 3)), to_rgb0);
        const __m128i low = _mm_unpacklo_epi32(pixels_a, pixels_b);
        const __m128i high = _mm_unpackhi_epi32(pixels_a, pixels_b);
        _mm256_store_si256(pairs + x, _mm256_cvtepu8_epi32(low));
        _mm256_store_si256(pairs + x + 1, _mm256_cvtepu8_epi32(_mm_srli_si128(low, 8)));
        _mm256_store_si256(pairs + x + 2, _mm256_cvtepu8_epi32(high));
        _mm256_store_si256(pairs + x + 3, _mm256_cvtepu8_epi32(_mm_srli_si128(high, 8)));
    }
    for (; x < width; x++) {
        pairs[x] = _mm256_setr_epi32(a[x * 3], a[x * 3 + 1], a[x * 3 + 2], 0, b[x * 3], b[x * 3 + 1], b[x * 3 + 2], 0);
    }
}

#define TAP(k) sum = _mm256_add_epi32(sum, _mm256_mullo_epi32(_mm256_load_si256(source + (k)), _mm256_set1_epi32(weights[k])))
#define FIXED_TAPS(count) case count: for (int tap = 0; tap < count; tap++) { TAP(tap); } break;

/*
 * Resizer.resampleHorizontal with AVX2, two rows at a time. Every output pixel runs the same number of taps (the largest
 * count; padded_weights is zero past each pixel's own count and pairs has that many zero pixels past the row's end),
 * so the tap loop has no data-dependent branch and, for up to eight taps, is unrolled. The sums are clipped to bytes 4
 * pixels at a time by saturating packs, which is clip8's clamp.
 */
__attribute__((target("avx2")))
static void horizontal_avx2(const unsigned char *input, int input_width, int first_row, int end_row, const jint *x_first,
        const jint *padded_weights, int taps, int output_width, __m256i *pairs, int32_t *sums, unsigned char *output) {
    const size_t input_row = (size_t) input_width * 3;
    const size_t output_row = (size_t) output_width * 3;
    const __m256i half = _mm256_set1_epi32(HALF);
    const __m256i pixel_order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    const __m128i drop_fourth = _mm_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, -1, -1, -1, -1);
    for (int y = first_row; y < end_row; y += 2) {
        const int second = y + 1 < end_row ? y + 1 : y;
        widen_pair(input + (size_t) y * input_row, input + (size_t) second * input_row, input_width, pairs);
        for (int x = 0; x < output_width; x++) {
            const __m256i *source = pairs + x_first[x];
            const jint *weights = padded_weights + (size_t) x * taps;
            __m256i sum = half;
            switch (taps) {
                FIXED_TAPS(1) FIXED_TAPS(2) FIXED_TAPS(3) FIXED_TAPS(4) FIXED_TAPS(5) FIXED_TAPS(6) FIXED_TAPS(7) FIXED_TAPS(8)
                default:
                    for (int tap = 0; tap < taps; tap++) {
                        TAP(tap);
                    }
            }
            _mm256_store_si256((__m256i *) (sums + (size_t) x * 8), _mm256_srai_epi32(sum, PRECISION_BITS));
        }
        unsigned char *target_a = output + (size_t) (y - first_row) * output_row;
        unsigned char *target_b = second != y ? target_a + output_row : NULL;
        unsigned char bytes[16];
        int x = 0;
        for (; x + 4 <= output_width; x += 4) {
            const __m256i *four = (const __m256i *) (sums + (size_t) x * 8);
            const __m256i a01 = _mm256_permute2x128_si256(four[0], four[1], 0x20);
            const __m256i b01 = _mm256_permute2x128_si256(four[0], four[1], 0x31);
            const __m256i a23 = _mm256_permute2x128_si256(four[2], four[3], 0x20);
            const __m256i b23 = _mm256_permute2x128_si256(four[2], four[3], 0x31);
            /* per 128-bit half: pixels 0 2 of a, 0 2 of b | 1 3 of a, 1 3 of b; reordered to 0 1 2 3 of a, then of b */
            const __m256i packed = _mm256_packus_epi16(_mm256_packs_epi32(a01, a23), _mm256_packs_epi32(b01, b23));
            const __m256i ordered = _mm256_permutevar8x32_epi32(packed, pixel_order);
            _mm_storeu_si128((__m128i *) bytes, _mm_shuffle_epi8(_mm256_castsi256_si128(ordered), drop_fourth));
            memcpy(target_a + x * 3, bytes, 12);
            if (target_b != NULL) {
                _mm_storeu_si128((__m128i *) bytes, _mm_shuffle_epi8(_mm256_extracti128_si256(ordered, 1), drop_fourth));
                memcpy(target_b + x * 3, bytes, 12);
            }
        }
        for (; x < output_width; x++) {
            for (int channel = 0; channel < 3; channel++) {
                const int32_t value_a = sums[(size_t) x * 8 + channel];
                target_a[x * 3 + channel] = (unsigned char) (value_a < 0 ? 0 : value_a > 255 ? 255 : value_a);
                if (target_b != NULL) {
                    const int32_t value_b = sums[(size_t) x * 8 + 4 + channel];
                    target_b[x * 3 + channel] = (unsigned char) (value_b < 0 ? 0 : value_b > 255 ? 255 : value_b);
                }
            }
        }
    }
}

/*
 * The horizontal pass with AVX2: the weights copied with every pixel padded to the largest count, and the buffers
 * horizontal_avx2 needs. Returns -1 when memory ran out.
 */
static int resample_horizontal_avx2(const unsigned char *input, int input_width, int first_row, int end_row,
        const jint *x_first, const jint *x_count, const jint *x_weights, int x_stride, int output_width, unsigned char *output) {
    int taps = 1;
    for (int x = 0; x < output_width; x++) {
        taps = x_count[x] > taps ? x_count[x] : taps;
    }
    jint *padded = calloc((size_t) output_width * (size_t) taps, sizeof(jint));
    const size_t pair_count = (size_t) input_width + (size_t) taps;
    __m256i *pairs = aligned_alloc(32, pair_count * sizeof(__m256i));
    int32_t *sums = aligned_alloc(32, (size_t) (output_width > 0 ? output_width : 1) * 8 * sizeof(int32_t));
    int status = -1;
    if (padded != NULL && pairs != NULL && sums != NULL) {
        for (int x = 0; x < output_width; x++) {
            memcpy(padded + (size_t) x * taps, x_weights + (size_t) x * x_stride, sizeof(jint) * (size_t) x_count[x]);
        }
        memset(pairs + input_width, 0, sizeof(__m256i) * (size_t) taps);
        horizontal_avx2(input, input_width, first_row, end_row, x_first, padded, taps, output_width, pairs, sums, output);
        status = 0;
    }
    free(padded);
    free(pairs);
    free(sums);
    return status;
}

/* Rows of input (the first being source row first_row) resampled vertically: Resizer.resampleVertical. */
__attribute__((target_clones("avx2", "default")))
static void resample_vertical(const unsigned char *input, int width, int first_row, const jint *y_first, const jint *y_count,
        const jint *y_weights, int y_stride, int output_height, int32_t *sums, unsigned char *output) {
    const size_t row_bytes = (size_t) width * 3;
    for (int y = 0; y < output_height; y++) {
        for (size_t i = 0; i < row_bytes; i++) {
            sums[i] = HALF;
        }
        const int first = y_first[y] - first_row;
        for (int tap = 0; tap < y_count[y]; tap++) {
            const int32_t weight = y_weights[(size_t) y * y_stride + tap];
            const unsigned char *source = input + (size_t) (first + tap) * row_bytes;
            for (size_t i = 0; i < row_bytes; i++) {
                sums[i] += source[i] * weight;
            }
        }
        unsigned char *target = output + (size_t) y * row_bytes;
        for (size_t i = 0; i < row_bytes; i++) {
            target[i] = clip8(sums[i]);
        }
    }
}

/*
 * Resizer.resampleVertical with AVX2: 16 bytes of an output row at a time, every tap accumulated in registers (two
 * vectors of eight 32-bit sums), then shifted and clipped by saturating packs.
 */
__attribute__((target("avx2")))
static void vertical_avx2(const unsigned char *input, int width, int first_row, const jint *y_first, const jint *y_count,
        const jint *y_weights, int y_stride, int output_height, unsigned char *output) {
    const size_t row_bytes = (size_t) width * 3;
    const __m256i half = _mm256_set1_epi32(HALF);
    const __m128i byte_order = _mm_setr_epi8(0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 12, 13, 14, 15);
    for (int y = 0; y < output_height; y++) {
        const unsigned char *first = input + (size_t) (y_first[y] - first_row) * row_bytes;
        const jint *weights = y_weights + (size_t) y * y_stride;
        const int taps = y_count[y];
        unsigned char *target = output + (size_t) y * row_bytes;
        size_t i = 0;
        for (; i + 16 <= row_bytes; i += 16) {
            __m256i low = half, high = half;
            const unsigned char *source = first + i;
            for (int tap = 0; tap < taps; tap++, source += row_bytes) {
                const __m256i weight = _mm256_set1_epi32(weights[tap]);
                low = _mm256_add_epi32(low, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) source)), weight));
                high = _mm256_add_epi32(high, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *) (source + 8))), weight));
            }
            const __m256i words = _mm256_packs_epi32(_mm256_srai_epi32(low, PRECISION_BITS), _mm256_srai_epi32(high, PRECISION_BITS));
            /* words, per 128-bit half: low 0-3, high 0-3 | low 4-7, high 4-7; the bytes reordered to 0..15 */
            const __m128i bytes = _mm_packus_epi16(_mm256_castsi256_si128(words), _mm256_extracti128_si256(words, 1));
            _mm_storeu_si128((__m128i *) (target + i), _mm_shuffle_epi8(bytes, byte_order));
        }
        for (; i < row_bytes; i++) {
            int32_t sum = HALF;
            for (int tap = 0; tap < taps; tap++) {
                sum += first[i + (size_t) tap * row_bytes] * weights[tap];
            }
            target[i] = clip8(sum);
        }
    }
}

/*
 * Both passes of Resizer.resample: rows [first_row, end_row) of the input horizontally, then those vertically into
 * output (output_width x output_height x 3); portable leaves the AVX2 passes out (for tests). Returns 0, or -1 when
 * memory ran out (output untouched).
 */
JNIEXPORT jint JNICALL Java_org_nifitransfer_core_image_NativeImage_resample(JNIEnv *env, jclass type, jbyteArray input,
        jint input_width, jint first_row, jint end_row, jintArray x_first, jintArray x_count, jintArray x_weights, jint x_stride,
        jint output_width, jintArray y_first, jintArray y_count, jintArray y_weights, jint y_stride, jint output_height,
        jbyteArray output, jboolean portable) {
    (void) type;
    const int avx2 = !portable && __builtin_cpu_supports("avx2");
    const size_t intermediate_bytes = (size_t) (end_row - first_row) * (size_t) output_width * 3;
    unsigned char *intermediate = malloc(intermediate_bytes > 0 ? intermediate_bytes : 1);
    int32_t *sums = avx2 ? NULL : malloc(sizeof(int32_t) * (size_t) output_width * 3);
    pixel4 *row = avx2 ? NULL : aligned_alloc(16, sizeof(pixel4) * (size_t) (input_width > 0 ? input_width : 1));
    jint status = -1;
    if (intermediate != NULL && (avx2 || (sums != NULL && row != NULL))) {
        jint *xf = (*env)->GetIntArrayElements(env, x_first, NULL);
        jint *xc = (*env)->GetIntArrayElements(env, x_count, NULL);
        jint *xw = (*env)->GetIntArrayElements(env, x_weights, NULL);
        jint *yf = (*env)->GetIntArrayElements(env, y_first, NULL);
        jint *yc = (*env)->GetIntArrayElements(env, y_count, NULL);
        jint *yw = (*env)->GetIntArrayElements(env, y_weights, NULL);
        if (xf && xc && xw && yf && yc && yw) {
            unsigned char *pixels = (unsigned char *) (*env)->GetPrimitiveArrayCritical(env, input, NULL);
            if (pixels) {
                if (avx2) {
                    status = resample_horizontal_avx2(pixels, input_width, first_row, end_row, xf, xc, xw, x_stride, output_width,
                            intermediate);
                } else {
                    resample_horizontal(pixels, input_width, first_row, end_row, xf, xc, xw, x_stride, output_width, row,
                            intermediate);
                    status = 0;
                }
                (*env)->ReleasePrimitiveArrayCritical(env, input, pixels, JNI_ABORT);
            }
            unsigned char *result = status == 0 ? (unsigned char *) (*env)->GetPrimitiveArrayCritical(env, output, NULL) : NULL;
            if (result) {
                if (avx2) {
                    vertical_avx2(intermediate, output_width, first_row, yf, yc, yw, y_stride, output_height, result);
                } else {
                    resample_vertical(intermediate, output_width, first_row, yf, yc, yw, y_stride, output_height, sums, result);
                }
                (*env)->ReleasePrimitiveArrayCritical(env, output, result, 0);
            } else {
                status = -1;
            }
        }
        if (xf) (*env)->ReleaseIntArrayElements(env, x_first, xf, JNI_ABORT);
        if (xc) (*env)->ReleaseIntArrayElements(env, x_count, xc, JNI_ABORT);
        if (xw) (*env)->ReleaseIntArrayElements(env, x_weights, xw, JNI_ABORT);
        if (yf) (*env)->ReleaseIntArrayElements(env, y_first, yf, JNI_ABORT);
        if (yc) (*env)->ReleaseIntArrayElements(env, y_count, yc, JNI_ABORT);
        if (yw) (*env)->ReleaseIntArrayElements(env, y_weights, yw, JNI_ABORT);
    }
    free(intermediate);
    free(sums);
    free(row);
    return status;
}

/* ChannelPlanes.lookup: out[first + i] = first_table[pixels[source + 3i + first_source]], and so for the other two. */
JNIEXPORT void JNICALL Java_org_nifitransfer_core_image_NativeImage_lookupPlanesNative(JNIEnv *env, jclass type, jbyteArray pixels,
        jint source, jint plane, jfloatArray first_table, jfloatArray second_table, jfloatArray third_table, jint first_source,
        jint second_source, jint third_source, jfloatArray out, jint first, jint second, jint third) {
    (void) type;
    float tables[3][256];
    (*env)->GetFloatArrayRegion(env, first_table, 0, 256, tables[0]);
    (*env)->GetFloatArrayRegion(env, second_table, 0, 256, tables[1]);
    (*env)->GetFloatArrayRegion(env, third_table, 0, 256, tables[2]);
    unsigned char *bytes = (*env)->GetPrimitiveArrayCritical(env, pixels, NULL);
    float *floats = bytes != NULL ? (*env)->GetPrimitiveArrayCritical(env, out, NULL) : NULL;
    if (floats != NULL) {
        const unsigned char *a = bytes + source + first_source;
        const unsigned char *b = bytes + source + second_source;
        const unsigned char *c = bytes + source + third_source;
        float *to_first = floats + first;
        float *to_second = floats + second;
        float *to_third = floats + third;
        for (jint i = 0; i < plane; i++) {
            to_first[i] = tables[0][a[3 * i]];
            to_second[i] = tables[1][b[3 * i]];
            to_third[i] = tables[2][c[3 * i]];
        }
        (*env)->ReleasePrimitiveArrayCritical(env, out, floats, 0);
    }
    if (bytes != NULL) {
        (*env)->ReleasePrimitiveArrayCritical(env, pixels, bytes, JNI_ABORT);
    }
}
