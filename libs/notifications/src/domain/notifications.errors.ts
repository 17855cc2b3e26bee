import { DomainError, NotFound } from '@heyblue/platform';

/** The token does not look like one the platform issues (400, with the field named). */
export class InvalidDeviceToken extends DomainError {
  constructor(message: string) {
    super('INVALID_DEVICE_TOKEN', message, 400, { errors: [{ field: 'token', message }] });
  }
}

/** No device of mine with that id (someone else's answers the same: existence is not revealed). */
export class DeviceNotFound extends NotFound {
  constructor() {
    super('Device', 'DEVICE_NOT_FOUND');
  }
}
