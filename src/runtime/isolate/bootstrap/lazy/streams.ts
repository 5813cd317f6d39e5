// Lazily loaded script: the streams algorithms (web-streams-polyfill). Its completion value is its
// exports. The polyfill's stream async iterators inherit from Object.prototype; the standard says
// %AsyncIteratorPrototype%, which is fixed here once.
import * as S from 'web-streams-polyfill';

{
  const asyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
  const proto = Object.getPrototypeOf(new S.ReadableStream().values());
  if (Object.getPrototypeOf(proto) !== asyncIteratorPrototype) Object.setPrototypeOf(proto, asyncIteratorPrototype);
}

export const {
  ByteLengthQueuingStrategy, CountQueuingStrategy, ReadableByteStreamController, ReadableStream,
  ReadableStreamBYOBReader, ReadableStreamBYOBRequest, ReadableStreamDefaultController,
  ReadableStreamDefaultReader, TransformStream, TransformStreamDefaultController, WritableStream,
  WritableStreamDefaultController, WritableStreamDefaultWriter,
} = S;
