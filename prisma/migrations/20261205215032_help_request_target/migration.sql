-- CreateEnum
CREATE TYPE "HelpUrgency" AS ENUM ('low', 'medium', 'high');

-- AlterTable
ALTER TABLE "help_requests" ADD COLUMN     "mentor_id" TEXT,
ADD COLUMN     "urgency" "HelpUrgency" NOT NULL DEFAULT 'medium';
