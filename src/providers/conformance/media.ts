/**
 * Binary payloads for the image and audio fixtures. The suite only checks that they are base64 with
 * the right MIME type, but a client that renders them should get a real file, so both are valid:
 * a 1x1 PNG (one opaque pixel) and a 50 ms WAV tone generated once at load.
 */

/** 1x1 RGBA PNG: signature, IHDR, one zlib-compressed scanline in IDAT, IEND (CRCs included). */
export const PNG_1X1_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mPQztnwHwAEVAJHQ1zbHgAAAABJRU5ErkJggg==';
export const PNG_MIME = 'image/png';

/** The suite requires exactly this MIME type for audio content. */
export const WAV_MIME = 'audio/wav';

const SAMPLE_RATE = 8000;
const DURATION_MS = 50;
const TONE_HZ = 440;

/**
 * A mono 8-bit PCM RIFF/WAVE file: the smallest format every player accepts. Built in code rather
 * than pasted as a literal so the header fields are visibly consistent with the data.
 */
function buildWav(): Buffer {
  const samples = Math.round((SAMPLE_RATE * DURATION_MS) / 1000);
  const header = 44;
  const wav = Buffer.alloc(header + samples);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(header - 8 + samples, 4);
  wav.write('WAVE', 8, 'ascii');
  wav.write('fmt ', 12, 'ascii');
  wav.writeUInt32LE(16, 16); // PCM fmt chunk size
  wav.writeUInt16LE(1, 20); // audio format: PCM
  wav.writeUInt16LE(1, 22); // channels
  wav.writeUInt32LE(SAMPLE_RATE, 24);
  wav.writeUInt32LE(SAMPLE_RATE, 28); // byte rate = rate * channels * bytes per sample
  wav.writeUInt16LE(1, 32); // block align
  wav.writeUInt16LE(8, 34); // bits per sample
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples, 40);
  // 8-bit PCM is unsigned with silence at 128; keep the amplitude modest.
  for (let i = 0; i < samples; i++) wav[header + i] = Math.round(128 + 48 * Math.sin((2 * Math.PI * TONE_HZ * i) / SAMPLE_RATE));
  return wav;
}

export const WAV_TONE_BASE64 = buildWav().toString('base64');
