import { Global, Module } from '@nestjs/common';
import { PlacesApi } from './places.api.js';

/** Offline reverse geocoding (state, county, ZIP) for the contexts that record where things happen. */
@Global()
@Module({ providers: [PlacesApi], exports: [PlacesApi] })
export class PlacesModule {}
