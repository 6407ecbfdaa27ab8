-- CreateEnum
CREATE TYPE "CallStatus" AS ENUM ('CALLING', 'ACTIVE', 'ENDED', 'CANCELLED', 'DECLINED', 'MISSED');

-- CreateEnum
CREATE TYPE "CallEndReason" AS ENUM ('hangup', 'last_participant_left', 'connection_lost', 'ended_by_api');

-- CreateTable
CREATE TABLE "calls" (
    "id" TEXT NOT NULL,
    "host_user_id" TEXT NOT NULL,
    "recipient_user_id" TEXT,
    "status" "CallStatus" NOT NULL DEFAULT 'CALLING',
    "title" TEXT,
    "is_private" BOOLEAN NOT NULL DEFAULT false,
    "has_video" BOOLEAN NOT NULL DEFAULT true,
    "started_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "end_reason" "CallEndReason",
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "calls_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "busy_slots" (
    "user_id" TEXT NOT NULL,
    "call_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "busy_slots_pkey" PRIMARY KEY ("user_id")
);

-- CreateTable
CREATE TABLE "call_participants" (
    "id" TEXT NOT NULL,
    "call_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "user_name" TEXT NOT NULL,
    "has_video" BOOLEAN NOT NULL DEFAULT true,
    "has_audio" BOOLEAN NOT NULL DEFAULT true,
    "joined_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMP(3),

    CONSTRAINT "call_participants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "call_events" (
    "id" BIGSERIAL NOT NULL,
    "call_id" TEXT NOT NULL,
    "from_status" "CallStatus",
    "to_status" "CallStatus" NOT NULL,
    "actor_user_id" TEXT,
    "reason" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "call_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "calls_host_user_id_created_at_idx" ON "calls"("host_user_id", "created_at");

-- CreateIndex
CREATE INDEX "calls_recipient_user_id_created_at_idx" ON "calls"("recipient_user_id", "created_at");

-- CreateIndex
CREATE INDEX "calls_status_created_at_idx" ON "calls"("status", "created_at");

-- CreateIndex
CREATE INDEX "busy_slots_call_id_idx" ON "busy_slots"("call_id");

-- CreateIndex
CREATE INDEX "call_participants_call_id_left_at_idx" ON "call_participants"("call_id", "left_at");

-- CreateIndex
CREATE INDEX "call_participants_connection_id_idx" ON "call_participants"("connection_id");

-- CreateIndex
CREATE INDEX "call_events_call_id_at_idx" ON "call_events"("call_id", "at");

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_host_user_id_fkey" FOREIGN KEY ("host_user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "calls" ADD CONSTRAINT "calls_recipient_user_id_fkey" FOREIGN KEY ("recipient_user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "busy_slots" ADD CONSTRAINT "busy_slots_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "busy_slots" ADD CONSTRAINT "busy_slots_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_participants" ADD CONSTRAINT "call_participants_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_participants" ADD CONSTRAINT "call_participants_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "call_events" ADD CONSTRAINT "call_events_call_id_fkey" FOREIGN KEY ("call_id") REFERENCES "calls"("id") ON DELETE CASCADE ON UPDATE CASCADE;
