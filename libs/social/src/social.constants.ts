/** The bull queue of deliveries: one job per (post, platform), job id `<postId>:<platform>`. */
export const SOCIAL_QUEUE = 'social.deliveries';
/** Dead letters of failed deliveries carry this source; the social context replays them. */
export const SOCIAL_DEAD_LETTER_SOURCE = 'social';
export interface DeliveryJob {
  postId: string;
  platform: string;
}
