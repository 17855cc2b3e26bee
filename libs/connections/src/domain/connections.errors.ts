import { DomainError, Forbidden, NotFound } from '@heyblue/platform';

/** Stable problem codes of the connections context. */
export const CODES = {
  TOO_FAR: 'TOO_FAR',
  ALREADY_CONNECTED_TODAY: 'ALREADY_CONNECTED_TODAY',
  OFFICER_NOT_AVAILABLE: 'OFFICER_NOT_AVAILABLE',
  POSITION_UNKNOWN: 'POSITION_UNKNOWN',
  REQUEST_NOT_FOUND: 'REQUEST_NOT_FOUND',
  REQUEST_NOT_PENDING: 'REQUEST_NOT_PENDING',
  REQUEST_EXPIRED: 'REQUEST_EXPIRED',
  REQUEST_ALREADY_PENDING: 'REQUEST_ALREADY_PENDING',
  NOT_YOUR_REQUEST: 'NOT_YOUR_REQUEST',
  /** Socket `location` acks only (REST answers OFFICER_NOT_AVAILABLE for the same state). */
  NO_OPEN_WINDOW: 'NO_OPEN_WINDOW',
  IMPLAUSIBLE_MOVE: 'IMPLAUSIBLE_MOVE',
  INVALID_LOCATION: 'INVALID_LOCATION',
  RATE_LIMITED: 'RATE_LIMITED',
  /** Socket `location` from an account that is neither officer nor citizen (admins). */
  FORBIDDEN: 'FORBIDDEN',
  /** Socket `location` acks only: Redis (or another dependency) is unreachable; retry shortly. */
  TEMPORARILY_UNAVAILABLE: 'TEMPORARILY_UNAVAILABLE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export class TooFar extends DomainError {
  constructor(limitM: number) {
    super(CODES.TOO_FAR, `Officer and citizen must be within ${limitM} m of each other.`, 422);
  }
}

export class AlreadyConnectedToday extends DomainError {
  constructor() {
    super(
      CODES.ALREADY_CONNECTED_TODAY,
      'This officer and citizen already connected in the last 24 hours.',
      422,
    );
  }
}

export class OfficerNotAvailable extends DomainError {
  constructor() {
    super(
      CODES.OFFICER_NOT_AVAILABLE,
      'The officer has no open availability window with a fresh location.',
      422,
    );
  }
}

export class PositionUnknown extends DomainError {
  constructor(who: 'officer' | 'citizen') {
    super(
      CODES.POSITION_UNKNOWN,
      `The ${who}'s current location is unknown or older than allowed; share a location first.`,
      422,
    );
  }
}

export class RequestNotFound extends NotFound {
  constructor() {
    super('Connection request', CODES.REQUEST_NOT_FOUND);
  }
}

export class RequestNotPending extends DomainError {
  constructor(status: string) {
    super(CODES.REQUEST_NOT_PENDING, `The request is ${status}, no longer pending.`, 409);
  }
}

export class RequestAlreadyPending extends DomainError {
  constructor() {
    super(CODES.REQUEST_ALREADY_PENDING, 'You already have a pending request to this officer.', 409);
  }
}

export class NotYourRequest extends Forbidden {
  constructor() {
    super(CODES.NOT_YOUR_REQUEST, 'This request is addressed to another officer.');
  }
}

export class RequestExpired extends DomainError {
  constructor() {
    super(CODES.REQUEST_EXPIRED, 'The request expired; the citizen can ask again.', 409);
  }
}

export class ImplausibleMove extends DomainError {
  constructor() {
    super(
      CODES.IMPLAUSIBLE_MOVE,
      'This position is too far from the last one for the time since; nothing was changed.',
      422,
    );
  }
}
