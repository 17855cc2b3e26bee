import { InsufficientPoints } from '../rewards.errors.js';

/** Points can never drive a balance below zero; returns the balance after the movement. */
export function balanceCannotGoNegative(balance: number, delta: number): number {
  const after = balance + delta;
  if (after < 0) throw new InsufficientPoints(balance, -delta);
  return after;
}
