-- Social: posts, per-platform deliveries, connection and consent projections, quotes.

CREATE TABLE "social_post" (
    "id" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "connection_id" UUID,
    "created_by" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "social_post_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "social_delivery" (
    "post_id" UUID NOT NULL,
    "platform" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "external_id" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "social_delivery_pkey" PRIMARY KEY ("post_id", "platform"),
    CONSTRAINT "social_delivery_status" CHECK ("status" IN ('queued', 'sent', 'failed', 'dead')),
    CONSTRAINT "social_delivery_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "social_post"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "social_connection" (
    "connection_id" UUID NOT NULL,
    "officer_id" UUID NOT NULL,
    "citizen_id" UUID NOT NULL,
    CONSTRAINT "social_connection_pkey" PRIMARY KEY ("connection_id")
);

CREATE TABLE "social_consent" (
    "account_id" UUID NOT NULL,
    "share_consent" BOOLEAN NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "social_consent_pkey" PRIMARY KEY ("account_id")
);

CREATE TABLE "social_quote" (
    "id" SERIAL NOT NULL,
    "text" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    CONSTRAINT "social_quote_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "social_quote_text_key" ON "social_quote"("text");

-- Public-domain quotes (authors long dead, scripture in the King James Version, proverbs)
-- and original wording credited to Hey Blue!.
INSERT INTO "social_quote" ("text", "author") VALUES
  ('No man is an island, entire of itself; every man is a piece of the continent, a part of the main.', 'John Donne'),
  ('The police are the public and the public are the police.', 'Sir Robert Peel'),
  ('Coming together is a beginning; keeping together is progress; working together is success.', 'Henry Ford'),
  ('The best way to find yourself is to lose yourself in the service of others.', 'Mahatma Gandhi'),
  ('If you want to go fast, go alone. If you want to go far, go together.', 'African proverb'),
  ('It takes a village to raise a child.', 'African proverb'),
  ('A kind word is like a spring day.', 'Russian proverb'),
  ('Many hands make light work.', 'John Heywood'),
  ('Kindness is the language which the deaf can hear and the blind can see.', 'Attributed to Mark Twain'),
  ('I am a part of all that I have met.', 'Alfred, Lord Tennyson'),
  ('No act of kindness, no matter how small, is ever wasted.', 'Aesop'),
  ('Union gives strength.', 'Aesop'),
  ('Wherever there is a human being, there is an opportunity for a kindness.', 'Seneca'),
  ('We are made for cooperation, like feet, like hands, like eyelids, like the rows of the upper and lower teeth.', 'Marcus Aurelius'),
  ('What is not good for the swarm is not good for the bee.', 'Marcus Aurelius'),
  ('Man is by nature a social animal.', 'Aristotle'),
  ('Without friends no one would choose to live, though he had all other goods.', 'Aristotle'),
  ('That best portion of a good man''s life, his little, nameless, unremembered acts of kindness and of love.', 'William Wordsworth'),
  ('How far that little candle throws his beams! So shines a good deed in a weary world.', 'William Shakespeare'),
  ('We must, indeed, all hang together, or most assuredly we shall all hang separately.', 'Benjamin Franklin'),
  ('Be kind, for everyone you meet is fighting a hard battle.', 'Ian Maclaren'),
  ('Do all the good you can, by all the means you can, in all the ways you can, to all the people you can.', 'Attributed to John Wesley'),
  ('Better is a neighbour that is near than a brother far off.', 'Proverbs 27:10'),
  ('Two are better than one; because they have a good reward for their labour.', 'Ecclesiastes 4:9'),
  ('A threefold cord is not quickly broken.', 'Ecclesiastes 4:12'),
  ('Bear ye one another''s burdens.', 'Galatians 6:2'),
  ('Every conversation on the sidewalk builds a little more trust.', 'Hey Blue!'),
  ('A wave, a hello, a handshake: trust starts small.', 'Hey Blue!'),
  ('Safe streets are built by neighbours who know each other.', 'Hey Blue!'),
  ('Officers and neighbours: same street, same hopes.', 'Hey Blue!'),
  ('Community is something we do, not something we have: it happens when we show up for each other.', 'Hey Blue!'),
  ('Trust grows one conversation at a time.', 'Hey Blue!'),
  ('Know your neighbour, know your officer, know your block.', 'Hey Blue!'),
  ('Kindness shared on a street corner travels further than you think.', 'Hey Blue!');
