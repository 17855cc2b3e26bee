import type { Socket } from 'node:net';
import { jest } from '@jest/globals';

/**
 * Records the socket writes of a connection (each still goes out): one entry per write, the
 * number of chunks it carried (`_writev` several, `_write` one). `restore()` removes the spies.
 */
export function recordWrites(stream: Socket): { chunks: number[]; restore: () => void } {
  const chunks: number[] = [];
  const writev = stream._writev!.bind(stream);
  const write = stream._write.bind(stream);
  const spies = [
    jest.spyOn(stream, '_writev').mockImplementation((batch, cb) => {
      chunks.push(batch.length);
      writev(batch, cb);
    }),
    jest.spyOn(stream, '_write').mockImplementation((chunk, encoding, cb) => {
      chunks.push(1);
      write(chunk, encoding, cb);
    }),
  ];
  return { chunks, restore: () => spies.forEach((s) => s.mockRestore()) };
}
