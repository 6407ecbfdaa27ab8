-- CreateEnum
CREATE TYPE "HelpStage" AS ENUM ('matched', 'everyone');

-- AlterEnum: "open" requests become "waiting" (a rename keeps the rows); reservations can now be fulfilled.
ALTER TYPE "HelpRequestStatus" RENAME VALUE 'open' TO 'waiting';
ALTER TYPE "HelpRequestStatus" ADD VALUE 'fulfilled';

-- AlterTable
ALTER TABLE "help_requests" ADD COLUMN     "accepted_at" TIMESTAMP(3),
ADD COLUMN     "call_id" TEXT,
ADD COLUMN     "message_left_at" TIMESTAMP(3),
ADD COLUMN     "passed_by" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "requeued" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "reserved_until" TIMESTAMP(3),
ADD COLUMN     "stage" "HelpStage" NOT NULL DEFAULT 'everyone',
ADD COLUMN     "subject" TEXT NOT NULL DEFAULT '',
ALTER COLUMN "status" SET DEFAULT 'waiting';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "subjects" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateIndex
CREATE INDEX "help_requests_status_subject_idx" ON "help_requests"("status", "subject");

-- Existing requests get their subject as new ones do (trimmed, lower case, single spaces).
UPDATE "help_requests" SET "subject" = lower(btrim(regexp_replace("topic", '\s+', ' ', 'g')));
