/*
 * JNI bridge from org.nifitransfer.core.image.NativeImage:
 * - decode: the libjpeg API of libjpeg-turbo (the copy inside libleptonica.so.6 of org.bytedeco:leptonica, linked at
 *   run time; see build-native.sh). One call decodes one JPEG held in memory into 8-bit RGB. Errors never leave the
 *   library through exit(): error_exit jumps back here; warnings are counted and the first kept, not printed.
 * - resample: the two convolution passes of Resizer (PIL's fixed-point resampling) with the coefficients Java
 *   computed, so the result is Resizer's byte for byte; compiled for AVX2 and for plain x86-64, chosen at load.
 */
#include <jni.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <jpeglib.h>

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
    unsigned char *volatile pixels = NULL;
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
        pixels = malloc(row * cinfo.output_height);
        if (pixels == NULL) {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
            jpeg_destroy_decompress(&cinfo);
            goto done;
        }
        rows = malloc(sizeof(JSAMPROW) * cinfo.output_height);
        if (rows == NULL) {
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
        result = (*env)->NewByteArray(env, (jsize) (row * info[INFO_HEIGHT]));
        if (result != NULL) {
            (*env)->SetByteArrayRegion(env, result, 0, (jsize) (row * info[INFO_HEIGHT]), (const jbyte *) pixels);
            info[INFO_STATUS] = STATUS_OK;
        } else {
            info[INFO_STATUS] = STATUS_NO_MEMORY;
        }
    }
done:
    free(source);
    free(pixels);
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
 * Both passes of Resizer.resample: rows [first_row, end_row) of the input horizontally, then those vertically into
 * output (output_width x output_height x 3). Returns 0, or -1 when memory ran out (output untouched).
 */
JNIEXPORT jint JNICALL Java_org_nifitransfer_core_image_NativeImage_resample(JNIEnv *env, jclass type, jbyteArray input,
        jint input_width, jint first_row, jint end_row, jintArray x_first, jintArray x_count, jintArray x_weights, jint x_stride,
        jint output_width, jintArray y_first, jintArray y_count, jintArray y_weights, jint y_stride, jint output_height,
        jbyteArray output) {
    (void) type;
    const size_t intermediate_bytes = (size_t) (end_row - first_row) * (size_t) output_width * 3;
    unsigned char *intermediate = malloc(intermediate_bytes > 0 ? intermediate_bytes : 1);
    int32_t *sums = malloc(sizeof(int32_t) * (size_t) output_width * 3);
    unsigned char *result = malloc((size_t) output_width * (size_t) output_height * 3);
    pixel4 *row = aligned_alloc(16, sizeof(pixel4) * (size_t) (input_width > 0 ? input_width : 1));
    jint status = -1;
    if (intermediate != NULL && sums != NULL && result != NULL && row != NULL) {
        jint *xf = (*env)->GetIntArrayElements(env, x_first, NULL);
        jint *xc = (*env)->GetIntArrayElements(env, x_count, NULL);
        jint *xw = (*env)->GetIntArrayElements(env, x_weights, NULL);
        jint *yf = (*env)->GetIntArrayElements(env, y_first, NULL);
        jint *yc = (*env)->GetIntArrayElements(env, y_count, NULL);
        jint *yw = (*env)->GetIntArrayElements(env, y_weights, NULL);
        unsigned char *pixels = (unsigned char *) (*env)->GetPrimitiveArrayCritical(env, input, NULL);
        if (xf && xc && xw && yf && yc && yw && pixels) {
            resample_horizontal(pixels, input_width, first_row, end_row, xf, xc, xw, x_stride, output_width, row, intermediate);
            status = 0;
        }
        if (pixels) {
            (*env)->ReleasePrimitiveArrayCritical(env, input, pixels, JNI_ABORT);
        }
        if (status == 0) {
            resample_vertical(intermediate, output_width, first_row, yf, yc, yw, y_stride, output_height, sums, result);
            (*env)->SetByteArrayRegion(env, output, 0, output_width * output_height * 3, (const jbyte *) result);
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
    free(result);
    free(row);
    return status;
}
